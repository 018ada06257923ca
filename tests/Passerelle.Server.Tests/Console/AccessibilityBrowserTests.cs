using Microsoft.Playwright;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

/// <summary>
/// What a screen reader, a keyboard and a phone need, checked on every main page in the browser: labelled fields,
/// named buttons, one heading, a language, unique ids, a skip link first in the tab order, and no page wider than a
/// phone's screen (wide tables scroll inside their own box).
/// </summary>
[Collection(Browser.Collection)]
public sealed class AccessibilityBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    private const string Audit = """
        () => {
          const problems = [];
          const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
          for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
            const named = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
            if (!named) problems.push('unlabelled ' + e.tagName + '#' + e.id + '[name=' + e.name + ']');
          }
          for (const b of document.querySelectorAll('button, a[href]')) {
            const text = (b.textContent || '').trim() || b.getAttribute('aria-label') || b.getAttribute('title');
            if (!text && visible(b)) problems.push('nameless ' + b.tagName + ' ' + b.outerHTML.slice(0, 80));
          }
          for (const i of document.querySelectorAll('img:not([alt])')) problems.push('img without alt ' + i.src);
          if (document.querySelectorAll('h1').length !== 1) problems.push(document.querySelectorAll('h1').length + ' h1');
          if (!document.documentElement.lang) problems.push('no lang');
          const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
          for (const id of new Set(ids.filter((x, i) => ids.indexOf(x) !== i))) problems.push('duplicate id ' + id);
          for (const t of document.querySelectorAll('table')) if (!t.querySelector('th')) problems.push('table without headers');
          if (document.documentElement.scrollWidth > window.innerWidth + 1) {
            // Name what sticks out, outside the boxes that scroll on their own (.table-wrap).
            const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
              && !(e.parentElement && e.parentElement.closest('.table-wrap')));
            problems.push('wider than the screen (' + document.documentElement.scrollWidth + 'px): '
              + out.slice(-4).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30)).join(' | '));
          }
          return problems;
        }
        """;

    [SkippableFact]
    public async Task Every_main_page_has_labels_names_one_heading_and_fits_a_phone()
    {
        Skip.If(browser.Chromium is null, Browser.SkipReason);
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await Applications.OnboardAsync(server, tenant, jobs: 1);
        var (name, password) = await server.UserAsync(ConsoleRole.Admin);
        var pages = new[]
        {
            "/connections", "/connections/new", $"/connections/{connection}", $"/connections/{connection}/jobs", $"/connections/{connection}/applications",
            $"/connections/{connection}/syncs", $"/connections/{connection}/settings", $"/connections/{connection}/audit", "/activity",
            "/admin/api-keys", "/admin/webhooks", "/admin/users", "/account/password",
            $"/careers/{tenant.Company}", $"/careers/{tenant.Company}/jobs/{jobs[0]}", $"/careers/{tenant.Company}/jobs/{jobs[0]}/apply",
        };

        foreach (var (locale, width, height) in new[] { ("fr-FR", 1280, 900), ("en-GB", 390, 844) })
        {
            var (page, _) = await browser.NewPageAsync(server.RootUri, locale);
            await page.SetViewportSizeAsync(width, height);
            await page.GotoAsync("/account/sign-in");
            (await AuditAsync(page)).ShouldBeEmpty("/account/sign-in");
            await page.Locator("#UserName").FillAsync(name);
            await page.Locator("#Password").FillAsync(password);
            await page.Locator("main button[type=submit]").First.ClickAsync();
            await page.WaitForURLAsync("**/connections", Browser.Committed);

            // The keyboard's first stop is the skip link, and it leads to the content.
            await page.Keyboard.PressAsync("Tab");
            (await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('href')")).ShouldBe("#main");

            foreach (var url in pages)
            {
                await page.GotoAsync(url);
                (await AuditAsync(page)).ShouldBeEmpty($"{url} at {width}px");
            }

            if (width < 500)
            {
                await page.GotoAsync($"/connections/{connection}");
                await Browser.ScreenshotAsync(page, "connection-detail-phone");
            }
        }
    }

    private static async Task<string[]> AuditAsync(IPage page) => await page.EvaluateAsync<string[]>(Audit);
}
