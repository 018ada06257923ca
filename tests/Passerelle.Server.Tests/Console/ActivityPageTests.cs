using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Users;
using Passerelle.Server.Ui;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

public sealed class ActivityPageTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    [Fact]
    public async Task The_activity_page_counts_a_delivered_application_and_the_sr_calls_that_made_it()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
        var platform = await server.KeyAsync(ApiRole.Platform);
        var id = await Applications.AcceptedAsync(platform, connectionId, jobs[0], Applications.Form(Applications.Applicant("chloe@example.org"), Applications.Pdf(1)));
        await Applications.WaitAsync(server.Admin(), id, "Delivered");

        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);
        var (status, page, _) = await viewer.GetAsync($"/activity?connection={connectionId}");
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("svg[data-testid=flows-chart] > title").ShouldNotBeNull();
        page.QuerySelector("svg[data-testid=calls-chart] > title").ShouldNotBeNull();
        page.QuerySelectorAll("svg[data-testid=flows-chart] rect.bar-ok").Length.ShouldBe(1);
        page.QuerySelector("[data-testid=flows-delivered]")!.TextContent.ShouldBe("1");
        page.QuerySelector("[data-testid=flows-failed]")!.TextContent.ShouldBe("0");
        page.QuerySelector("[data-testid=total-delivered]")!.TextContent.ShouldBe("1");
        page.QuerySelector("[data-testid=total-waiting]")!.TextContent.ShouldBe("0");

        // The table shows what the recorder counted for this connection: the sync's and the delivery's calls, no
        // more than the sandbox received from this credential.
        var recorded = server.Services.GetRequiredService<SrCallRecorder>().Since(TimeProvider.System.GetUtcNow().AddDays(-1));
        var calls = recorded[connectionId].Sum(m => m.Calls);
        calls.ShouldBeGreaterThanOrEqualTo(3, "a token, the job listing and the candidate's creation at least");
        var stats = await tenant.StatsAsync();
        calls.ShouldBeLessThanOrEqualTo(stats["requests"]!.GetValue<int>() + stats["tokenRequests"]!.GetValue<int>());
        page.QuerySelector("[data-testid=calls-total]")!.TextContent.ShouldBe(calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int.Parse(page.QuerySelector("[data-testid=calls-peak]")!.TextContent, System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, calls);
        page.QuerySelector("[data-testid=calls-throttled]")!.TextContent.ShouldBe("0");
        page.QuerySelectorAll("[data-testid=calls-table] tbody tr").Length.ShouldBe(24);

        // The week view and the overall view count it too.
        var (_, week, _) = await viewer.GetAsync($"/activity?connection={connectionId}&window=7d");
        week.QuerySelectorAll("[data-testid=flows-table] tbody tr").Length.ShouldBe(7);
        week.QuerySelector("[data-testid=flows-delivered]")!.TextContent.ShouldBe("1");
        var (_, overall, _) = await viewer.GetAsync("/activity");
        int.Parse(overall.QuerySelector("[data-testid=calls-total]")!.TextContent, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(calls);
    }

    [Fact]
    public async Task Counted_429s_and_the_peak_minute_show_against_the_limit()
    {
        var connection = Guid.NewGuid().ToString();
        var recorder = server.Services.GetRequiredService<SrCallRecorder>();
        recorder.Record(connection, throttled: false, count: 7);
        recorder.Record(connection, throttled: true, count: 2);

        var minutes = recorder.Since(TimeProvider.System.GetUtcNow().AddMinutes(-5))[connection];
        minutes.Sum(m => m.Calls).ShouldBe(9);
        minutes.Sum(m => m.Throttled).ShouldBe(2);
    }

    [Fact]
    public async Task The_activity_page_reads_in_french_and_refuses_an_unknown_connection()
    {
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);
        viewer.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        var (_, page, _) = await viewer.GetAsync("/activity?window=7d");
        page.QuerySelector("h1")!.TextContent.ShouldBe("Activité");
        page.QuerySelector("#calls-title")!.TextContent.ShouldBe("Appels à SmartRecruiters face à la limite de débit");
        page.QuerySelector("svg[data-testid=calls-chart] > title")!.TextContent.ShouldContain("face à la limite de 600 par minute");
        page.QuerySelector("[data-testid=flows-table] caption")!.TextContent.ShouldBe("Transmissions et échecs");
        page.DocumentElement.TextContent.ShouldContain("depuis son démarrage");
        (await viewer.GetAsync($"/activity?connection={Guid.NewGuid()}")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await viewer.GetAsync("/activity?connection=not-an-id")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}

[Collection(Browser.Collection)]
public sealed class ActivityBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task The_activity_page_in_a_browser()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
        var platform = await server.KeyAsync(ApiRole.Platform);
        var id = await Applications.AcceptedAsync(platform, connectionId, jobs[0], Applications.Form(Applications.Applicant("chloe@example.org"), Applications.Pdf(2)));
        await Applications.WaitAsync(server.Admin(), id, "Delivered");

        var (name, password) = await server.UserAsync(ConsoleRole.Viewer);
        var (page, _) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");
        await Browser.SignInAsync(page, "/activity", name, password);
        await page.Locator("#connection").SelectOptionAsync(connectionId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Afficher" }).ClickAsync();
        await page.WaitForURLAsync("**/activity?connection=*", Browser.Committed);
        (await page.Locator("[data-testid=total-delivered]").TextContentAsync()).ShouldBe("1");
        await Browser.ScreenshotAsync(page, "activity");
    }
}
