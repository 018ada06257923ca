using Microsoft.Playwright;
using Passerelle.Core.Users;

namespace Passerelle.Server.Tests.Console;

[Collection(Browser.Collection)]
public sealed class BrowserSmokeTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task A_browser_signs_in_and_switches_language()
    {
        var (name, password) = await server.UserAsync(ConsoleRole.Viewer);
        var (page, _) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");
        await page.GotoAsync("/connections");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Connexion à Passerelle");
        await page.GetByLabel("Identifiant").FillAsync(name);
        await page.GetByLabel("Mot de passe").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
        await page.WaitForURLAsync("**/connections", Browser.Committed);
        await page.GetByRole(AriaRole.Link, new() { Name = "EN", Exact = true }).ClickAsync();
        // Same URL before and after: wait for the English page itself.
        await page.WaitForFunctionAsync("document.documentElement.lang === 'en'");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Connections");
        await Browser.ScreenshotAsync(page, "smoke");
    }
}
