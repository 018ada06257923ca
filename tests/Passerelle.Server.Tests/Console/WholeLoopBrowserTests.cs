using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

/// <summary>
/// The demo's story in one browser, as an account manager and a candidate live it: a connection created with a wrong
/// secret shows its remedy, the right secret fixes it, the jobs arrive, a candidate applies on the career page with a
/// PDF, and the account manager watches the application reach Delivered in SmartRecruiters; then switches language.
/// </summary>
[Collection(Browser.Collection)]
public sealed partial class WholeLoopBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task From_a_credential_to_a_candidate_in_SmartRecruiters_through_the_console_and_the_career_page()
    {
        Skip.If(browser.Chromium is null, Browser.SkipReason);
        var tenant = await server.Sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync("Chargé de clientèle (H/F)");
        var (name, password) = await server.UserAsync(ConsoleRole.AccountManager);
        var (console, consoleHtml) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");

        // Sign in, then finalise the connection with a mistyped secret.
        await Browser.SignInAsync(console, "/connections/new", name, password);
        await console.GetByLabel("Nom affiché").FillAsync("Boucle complète");
        await console.GetByLabel("Nom du client").FillAsync("Boucle SAS");
        await console.GetByLabel("Client ID").FillAsync(tenant.ClientId);
        await console.GetByLabel("Client Secret").FillAsync(tenant.ClientSecret + "-typo");
        await console.GetByLabel("Identifiant d'entreprise").FillAsync(tenant.Company);
        await console.Locator("summary", new() { HasText = "Avancé" }).ClickAsync();
        await console.GetByLabel("URL de base de l'API").FillAsync(server.SandboxUrl.AbsoluteUri);
        await console.GetByRole(AriaRole.Button, new() { Name = "Tester et enregistrer" }).ClickAsync();
        await console.WaitForURLAsync(ConnectionUrl(), Browser.Committed);
        var connectionId = ConnectionUrl().Match(console.Url).Groups["id"].Value;
        (await console.Locator("[data-testid=problems]").TextContentAsync())!.ShouldContain("Client Secret");
        await Browser.ScreenshotAsync(console, "connection-wrong-secret");

        // The remedy: rotate the secret with the right one.
        await console.Locator("[data-testid=rotate-link]").ClickAsync();
        await console.GetByLabel("Nouveau Client Secret").FillAsync(tenant.ClientSecret);
        await console.GetByRole(AriaRole.Button, new() { Name = "Tester et remplacer" }).ClickAsync();
        // The answer comes back to the same URL: wait for the rotation's own result, the connection Active.
        await console.Locator("[data-testid=status]", new() { HasText = "Active" }).WaitForAsync();
        (await console.Locator("[data-testid=status]").TextContentAsync()).ShouldBe("Active");

        // The lane's first sync brings the job; "sync now" if it has not yet.
        await EventuallyAsync(console, $"/connections/{connectionId}/jobs", async () =>
            await console.Locator("td, summary", new() { HasText = "Chargé de clientèle" }).CountAsync() > 0,
            async () => await SyncNowAsync(console, connectionId));

        // A candidate applies on the career page, in another browser context (no console session).
        var folder = Directory.CreateTempSubdirectory("passerelle-loop-");
        var cv = Path.Combine(folder.FullName, "cv.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(4242, 12_000, "whole-loop-cv"));
        var (candidate, candidateHtml) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");
        await candidate.GotoAsync($"/careers/{tenant.Company}");
        await candidate.GetByRole(AriaRole.Link, new() { Name = "Chargé de clientèle (H/F)" }).ClickAsync();
        await candidate.Locator("[data-testid=apply-link]").ClickAsync();
        await candidate.WaitForURLAsync("**/apply", Browser.Committed);
        await candidate.Locator("#FirstName").FillAsync("Zéphyrine");
        await candidate.Locator("#LastName").FillAsync("Quatrebarbes");
        await candidate.Locator("#Email").FillAsync("zephyrine.loop@example.fr");
        await candidate.Locator("#Cv").SetInputFilesAsync(cv);
        await candidate.Locator("input[type=checkbox]#Consent").CheckAsync();
        await candidate.GetByRole(AriaRole.Button, new() { Name = "Envoyer ma candidature" }).ClickAsync();
        await candidate.WaitForURLAsync("**/receipt/**", Browser.Committed);
        var applicationId = candidate.Url.Split('/')[^1];

        // The account manager watches it reach Delivered, with SR's candidate id.
        await EventuallyAsync(console, $"/applications/{applicationId}", async () =>
            await console.Locator("[data-testid=state]").TextContentAsync() == "Transmise");
        var applicationPage = $"/applications/{applicationId}";
        await Browser.ScreenshotAsync(console, "application-delivered");
        var inbox = await SandboxFactory.ReadAsync(await tenant.Http().GetAsync($"/_sandbox/candidates?company={tenant.Company}"));
        inbox.ToJsonString().ShouldContain("zephyrine.loop@example.fr");

        await console.GotoAsync("/connections");
        await Browser.ScreenshotAsync(console, "connections-overview");
        await console.GotoAsync($"/connections/{connectionId}/applications");
        await Browser.ScreenshotAsync(console, "connection-applications");

        // And switches the console to English.
        await console.GotoAsync(applicationPage);
        await console.GetByRole(AriaRole.Link, new() { Name = "EN", Exact = true }).ClickAsync();
        await console.WaitForFunctionAsync("document.documentElement.lang === 'en'");
        (await console.Locator("[data-testid=state]").TextContentAsync()).ShouldBe("Delivered");

        foreach (var body in consoleHtml.Concat(candidateHtml))
        {
            body.ShouldNotContain(tenant.ClientSecret, Case.Sensitive);
        }

        foreach (var body in consoleHtml)
        {
            body.ShouldNotContain("zephyrine.loop@example.fr");
            body.ShouldNotContain("Quatrebarbes");
        }

        folder.Delete(recursive: true);
    }

    private static async Task SyncNowAsync(IPage page, string connectionId)
    {
        await page.GotoAsync($"/connections/{connectionId}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Synchroniser maintenant" }).ClickAsync();
    }

    /// <summary>Reloads <paramref name="url"/> until <paramref name="done"/>, for up to 30 seconds (what a person watching does).</summary>
    private static async Task EventuallyAsync(IPage page, string url, Func<Task<bool>> done, Func<Task>? meanwhile = null)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            await page.GotoAsync(url);
            if (await done())
            {
                return;
            }

            if (attempt == 3 && meanwhile is not null)
            {
                await meanwhile();
            }

            await Task.Delay(500);
        }

        throw new ShouldAssertException($"{url} never showed what was expected; it shows: {await page.Locator("main").TextContentAsync()}");
    }

    [GeneratedRegex("/connections/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex ConnectionUrl();
}
