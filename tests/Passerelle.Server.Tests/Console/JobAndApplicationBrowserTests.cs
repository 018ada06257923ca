using Microsoft.Playwright;
using Passerelle.Core.Users;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests.Console;

/// <summary>The job offers tab and an application's page in a real browser, in French: read, screenshot, and a failed application retried.</summary>
[Collection(Browser.Collection)]
public sealed class JobAndApplicationBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task An_account_manager_reads_the_jobs_and_retries_a_failed_application_in_the_browser()
    {
        var (page, html) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobAsync(new
        {
            title = "Cariste CACES 3 (H/F)", status = "SOURCING", postingStatus = "PUBLIC", refNumber = "REF-CAR-77",
            department = new { label = "Logistique" }, location = new { city = "Nantes", countryCode = "fr" },
            jobAd = new
            {
                sections = new
                {
                    companyDescription = new { title = "L'entreprise", text = "<p>Un entrepôt <strong>régional</strong> de 200 personnes.</p>" },
                    jobDescription = new { title = "Le poste", text = "<ul><li>Chargement des camions</li><li>Inventaires</li></ul>" },
                },
            },
        });
        await tenant.AddJobIdAsync("Magasinier (H/F)", status: "ON_HOLD");
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        (await tenant.Http().PatchAsync($"/_sandbox/jobs/{jobs[0]}", Tenant.Json("""{"status":"FILLED"}"""))).EnsureSuccessStatusCode();
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("browser.retry@example.fr"), Pdf(201)));
        await WaitAsync(platform, id, "Failed");
        var (name, password) = await server.UserAsync(ConsoleRole.AccountManager);

        await Browser.SignInAsync(page, $"/connections/{connection}/jobs", name, password);
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Offres d'emploi");
        await page.Locator("summary", new() { HasText = "Cariste CACES 3" }).ClickAsync();
        (await page.Locator(".ad-section strong").TextContentAsync()).ShouldBe("régional");
        await Browser.ScreenshotAsync(page, "connection-jobs");

        await page.GotoAsync($"/connections/{connection}/applications");
        await page.Locator($"tr[data-application-id='{id}'] a").ClickAsync();
        await page.WaitForURLAsync($"**/applications/{id}", Browser.Committed);
        (await page.Locator("[data-testid=state]").TextContentAsync()).ShouldBe("Échec");
        (await page.Locator("[data-testid=last-error]").TextContentAsync())!.ShouldContain("n'accepte plus de candidats");
        await Browser.ScreenshotAsync(page, "application-detail");

        // The customer reopens the job; the account manager retries from the page.
        (await tenant.Http().PatchAsync($"/_sandbox/jobs/{jobs[0]}", Tenant.Json("""{"status":"SOURCING"}"""))).EnsureSuccessStatusCode();
        await page.GetByRole(AriaRole.Button, new() { Name = "Relancer" }).ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        (await page.Locator(".flash").TextContentAsync())!.ShouldContain("Relancée");
        await WaitAsync(platform, id, "Delivered");
        await page.ReloadAsync();
        (await page.Locator("[data-testid=state]").TextContentAsync()).ShouldBe("Transmise");
        (await page.Locator("[data-testid=steps] li[data-step=retry]").TextContentAsync())!.ShouldContain(name);

        foreach (var body in html)
        {
            body.ShouldNotContain("browser.retry@example.fr");
        }
    }
}
