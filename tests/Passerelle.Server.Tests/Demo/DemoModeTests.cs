using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Passerelle.Server.Demo;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Demo;

/// <summary>
/// The README's first command, as a process: the demo comes up with its embedded sandbox, writes its facts, every URL
/// it prints answers, it carries on across a restart, generated traffic shows each fault, and it stops cleanly.
/// </summary>
[Trait("Category", "Process")]
public sealed class DemoModeTests
{
    private static Dictionary<string, string?> DemoSettings(bool traffic = false) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Demo",
        ["Demo:Enabled"] = "true",
        ["Demo:Traffic"] = traffic ? "true" : "false",
        ["Demo:TrafficPerMinute"] = "60",
        // Port 0: a free port each start, so the restart below also proves the connections follow the sandbox.
        ["Demo:SandboxUrl"] = "http://127.0.0.1:0",
        ["Careers:Enabled"] = "true",
        // The retried application's next attempt in seconds rather than the default minute.
        ["Applications:RetryBackoffBase"] = "00:00:03",
        ["SmartRecruiters:BackoffBase"] = "00:00:00.050",
    };

    [Fact]
    public async Task The_demo_serves_every_url_it_prints_survives_a_restart_and_stops_cleanly()
    {
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "demo", Settings = DemoSettings() });
        var facts = await FactsAsync(server, previousKey: null);

        facts.Connections.Count.ShouldBe(2);
        var exact = facts.Connections.Single(c => c.DisplayName == "Maison Azur");
        exact.Status.ShouldBe(Core.Connections.ConnectionStatus.Active);
        exact.Scopes.ShouldBe(["jobs_read", "candidates_create"]);
        exact.Warnings.ShouldBeEmpty();
        exact.OpenJobs.ShouldBeGreaterThan(0, "the first sync is done before the facts are written");
        var broad = facts.Connections.Single(c => c.DisplayName == "Maison Azur (accès trop large)");
        broad.Status.ShouldBe(Core.Connections.ConnectionStatus.Active);
        broad.Warnings.ShouldHaveSingleItem().ShouldContain("candidates_read");
        facts.AdminUser.ShouldBe("admin");
        facts.AdminPassword.ShouldNotBeNullOrEmpty();
        facts.AdminPassword.ShouldBe((await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "bootstrap-admin-password.txt"))).Trim());
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(server.DataDirectory, "keys")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                "the key ring is the server account's alone");
        }

        await EveryUrlAnswersAsync(server, facts);
        var printed = server.Log();
        foreach (var url in new[] { facts.ConsoleUrl, facts.CareersUrl, facts.SandboxUrl, facts.ApiUrl })
        {
            printed.ShouldContain(url);
        }

        using (var admin = server.Http(facts.AdminApiKey))
        {
            var connections = await admin.GetFromJsonAsync<JsonArray>("/api/v1/connections");
            connections!.Count.ShouldBe(2);
        }

        // The sandbox forgets everything on a stop; the demo gives it back its credentials, on its new port.
        var firstSandbox = new Uri(facts.SandboxUrl);
        File.Delete(Path.Combine(server.DataDirectory, DemoFacts.FileName));
        await server.RestartAsync();
        var again = await FactsAsync(server, previousKey: facts.AdminApiKey);
        again.Connections.Select(c => (c.Id, c.Status)).ShouldBe(facts.Connections.Select(c => (c.Id, c.Status)), "the same connections, still active");
        again.Connections.Single(c => c.DisplayName == "Maison Azur").OpenJobs.ShouldBe(exact.OpenJobs);
        await EveryUrlAnswersAsync(server, again);
        (await server.Http(facts.AdminApiKey).GetAsync("/api/v1/connections")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "each start revokes the previous demo key");

        var sandbox = new Uri(again.SandboxUrl);
        await server.StopAsync(TimeSpan.FromSeconds(30));
        server.ExitCode.ShouldBe(0);
        server.Log().ShouldContain("Demo: SmartRecruiters sandbox listening on");
        (await Listens(sandbox)).ShouldBeFalse("the embedded sandbox stops with the server");
        (await Listens(firstSandbox)).ShouldBeFalse();
        server.LogShouldNotContain([("the demo admin key", facts.AdminApiKey), ("the second demo admin key", again.AdminApiKey)]);
    }

    [Fact]
    public async Task Demo_traffic_shows_a_retry_a_review_and_a_failure()
    {
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "demo-traffic", Settings = DemoSettings(traffic: true) });
        var facts = await FactsAsync(server, previousKey: null);
        var connection = facts.Connections.Single(c => c.DisplayName == "Maison Azur").Id;
        using var admin = server.Http(facts.AdminApiKey);

        // One of each fault in every ten applications, one a second: two rounds is plenty, even with retries' backoff.
        var states = new Dictionary<string, int>();
        var retried = false;
        var checkedIds = new HashSet<string>();
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(150);
        while (TimeProvider.System.GetUtcNow() < deadline && !(retried && states.ContainsKey("NeedsReview") && states.ContainsKey("Failed")))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var page = await admin.GetFromJsonAsync<JsonObject>($"/api/v1/connections/{connection}/applications?limit=100");
            var items = page!["items"]!.AsArray();
            states = items.GroupBy(i => i!["state"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
            // A delivery resets its attempt counter, so the retry shows in the steps: a 503 before the delivery.
            foreach (var delivered in items.Where(i => !retried && i!["state"]!.GetValue<string>() == "Delivered" && checkedIds.Add(i["id"]!.GetValue<string>())))
            {
                var one = await admin.GetFromJsonAsync<JsonObject>($"/api/v1/applications/{delivered!["id"]}");
                retried = one!["steps"]!.AsArray().Any(s => s!["statusCode"]?.GetValue<int>() == 503);
            }
        }

        retried.ShouldBeTrue($"an application delivered after SR's 503; states seen: {Describe(states)}");
        states.ShouldContainKey("NeedsReview", $"states seen: {Describe(states)}");
        states.ShouldContainKey("Failed", $"states seen: {Describe(states)}");
        states.ShouldContainKey("Delivered");

        var failed = (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/connections/{connection}/applications?state=Failed"))!["items"]!.AsArray();
        failed.ShouldAllBe(f => f!["lastError"]!["code"]!.GetValue<string>() == "sr.job_not_accepting");

        await server.StopAsync(TimeSpan.FromSeconds(30));
        server.ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Production_with_the_demo_on_refuses_to_start_and_says_what_to_change()
    {
        var settings = DemoSettings();
        settings["ASPNETCORE_ENVIRONMENT"] = "Production";
        var refused = await Should.ThrowAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(new ServerProcessOptions { Name = "demo-production", Settings = settings }));
        refused.Message.ShouldContain("exited with code 1");
        refused.Message.ShouldContain("Demo:Enabled is true in the Production environment");
        refused.Message.ShouldContain("Demo:Enabled=false");
    }

    [Fact]
    public void Every_ten_applications_carry_one_of_each_fault()
    {
        var kinds = Enumerable.Range(1, 10).Select(DemoTraffic.KindOf).ToList();
        kinds.Count(k => k == DemoTrafficKind.Retry).ShouldBe(1);
        kinds.Count(k => k == DemoTrafficKind.Review).ShouldBe(1);
        kinds.Count(k => k == DemoTrafficKind.Failure).ShouldBe(1);
        kinds.Count(k => k == DemoTrafficKind.Clean).ShouldBe(7);
        kinds[0].ShouldBe(DemoTrafficKind.Clean, "the first application shows the plain path");
    }

    [Fact]
    public void The_demo_switch_becomes_its_setting_and_other_arguments_stay()
    {
        DemoExtensions.ExpandDemoSwitches(["--demo-traffic", "--urls", "http://127.0.0.1:8080"])
            .ShouldBe(["--Demo:Traffic=true", "--urls", "http://127.0.0.1:8080"]);
    }

    [Fact]
    public void A_wildcard_address_is_reached_on_loopback()
    {
        DemoSandbox.Loopback(new Uri("http://0.0.0.0:5081/")).ShouldBe(new Uri("http://127.0.0.1:5081/"));
        DemoSandbox.Loopback(new Uri("http://[::]:5081/")).ShouldBe(new Uri("http://127.0.0.1:5081/"));
        DemoSandbox.Loopback(new Uri("http://127.0.0.1:5081/")).ShouldBe(new Uri("http://127.0.0.1:5081/"));
    }

    /// <summary>The facts file of this start (the process writes it once the demo is ready).</summary>
    private static async Task<DemoFacts> FactsAsync(ServerProcess server, string? previousKey)
    {
        var path = Path.Combine(server.DataDirectory, DemoFacts.FileName);
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(120);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (File.Exists(path))
            {
                var facts = JsonSerializer.Deserialize<DemoFacts>(await File.ReadAllTextAsync(path), DemoFacts.Json);
                if (facts is not null && facts.AdminApiKey != previousKey)
                {
                    return facts;
                }
            }

            await Task.Delay(250);
        }

        throw new ShouldAssertException($"The demo did not write {path} within 120 s. Log:\n{server.Log()}");
    }

    private static async Task EveryUrlAnswersAsync(ServerProcess server, DemoFacts facts)
    {
        using var browser = server.Http();
        foreach (var url in new[] { facts.ConsoleUrl, facts.CareersUrl, facts.SandboxUrl, facts.ApiUrl })
        {
            // The console's root redirects to its sign-in page; followed, every address ends on a page.
            using var response = await browser.GetAsync(new Uri(url));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            (await response.Content.ReadAsStringAsync()).ShouldContain("<html", Case.Insensitive, url);
        }

        using var careers = await browser.GetAsync(new Uri(facts.CareersUrl));
        (await careers.Content.ReadAsStringAsync()).ShouldContain("Maison Azur");
    }

    private static async Task<bool> Listens(Uri url)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(url.Host, url.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Describe(Dictionary<string, int> states) => string.Join(", ", states.Select(s => $"{s.Key} {s.Value}"));
}
