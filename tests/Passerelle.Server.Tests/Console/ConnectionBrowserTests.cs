using Microsoft.Playwright;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

[Collection(Browser.Collection)]
public sealed class ConnectionBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task An_account_manager_creates_a_connection_with_the_form_and_reads_its_verdict()
    {
        var (name, password) = await server.UserAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read");
        await tenant.AddJobIdAsync();
        var (page, html) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");

        await Browser.SignInAsync(page, "/connections/new", name, password);

        await page.GetByLabel("Nom affiché").FillAsync("Maison Azur (navigateur)");
        await page.GetByLabel("Nom du client").FillAsync("Maison Azur");
        await page.GetByLabel("Client ID").FillAsync(tenant.ClientId);
        await page.GetByLabel("Client Secret").FillAsync(tenant.ClientSecret);
        await page.GetByLabel("Identifiant d'entreprise").FillAsync(tenant.Company);
        await page.Locator("summary", new() { HasText = "Avancé" }).ClickAsync();
        await page.GetByLabel("URL de base de l'API").FillAsync(server.SandboxUrl.AbsoluteUri);
        await Browser.ScreenshotAsync(page, "connections-new");
        await page.GetByRole(AriaRole.Button, new() { Name = "Tester et enregistrer" }).ClickAsync();

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/connections/[0-9a-f-]{36}$"), Browser.Committed);
        (await page.Locator("[data-testid=status]").TextContentAsync()).ShouldBe("Active");
        (await page.Locator("[data-testid=warnings]").TextContentAsync())!.ShouldContain("« Access Candidates »");
        await Browser.ScreenshotAsync(page, "connection-detail");

        await page.GetByRole(AriaRole.Link, new() { Name = "Connexions", Exact = true }).First.ClickAsync();
        await page.WaitForURLAsync("**/connections", Browser.Committed);
        (await page.Locator("[data-testid=least-privilege]").First.TextContentAsync()).ShouldBe("Autorisations en trop");
        await Browser.ScreenshotAsync(page, "connections-list");

        html.ShouldAllBe(body => !body.Contains(tenant.ClientSecret, StringComparison.Ordinal));
    }
}
