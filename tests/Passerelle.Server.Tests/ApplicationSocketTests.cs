using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests;

/// <summary>
/// Delivery against the sandbox as its own process, over real sockets: a reset before SR read the body is provably
/// "not sent" only there (the in-memory test server has no 100-continue), and rate limits and duplicate policies
/// are SR's whole behaviour, not one request's. They count SR's refusals on the real clock, so they run alone, after
/// the parallel tests (the browser tests' Chromium and the other servers bunched its requests into 429s).
/// </summary>
[Collection(nameof(RunsAlone))]
#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime.DisposeAsync
public sealed class ApplicationSocketTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private SandboxProcess _sandbox = null!;
    private ServerFactory _server = null!;
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<PasserelleServer> _app = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxProcess.StartAsync("--seed", "none");
        _server = new ServerFactory();
        _server.Settings["Applications:RetryBackoffBase"] = "00:00:00.200";
        _server.Settings["Applications:RetryBackoffCap"] = "00:00:01";
        _server.Settings["Sync:SupervisorInterval"] = "00:00:01";

        // One at a time, so that SR receives applicants in the order they were accepted.
        _server.Settings["Applications:DeliveryConcurrency"] = "1";
        _app = _server.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddHttpClient(SmartRecruitersClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler())));
        _ = _app.Services;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _server.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    private HttpClient Admin()
    {
        var http = _app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(_server.DataDirectory, "bootstrap-admin-key.txt")).Trim());
        return http;
    }

    private async Task<(Tenant Tenant, string Connection, string Job, HttpClient Platform)> ArrangeAsync()
    {
        var tenant = await _sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(_server, tenant, admin: Admin(), baseUrl: _sandbox.BaseAddress.AbsoluteUri);
        return (tenant, connection, jobs[0], await ServerFactory.KeyAsync(_app, Core.ApiClients.ApiRole.Platform));
    }

    [Fact]
    public async Task A_reset_before_sr_read_the_create_is_retried_and_makes_exactly_one_candidate()
    {
        var (tenant, connection, job, platform) = await ArrangeAsync();
        await tenant.SetFaultsAsync(new { script = new[] { "reset" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });

        var id = await AcceptedAsync(platform, connection, job, Form(Applicant("reset@example.fr"), Pdf(20)));

        var delivered = await WaitAsync(platform, id, "Delivered", "NeedsReview", "Failed");
        delivered.Str("state").ShouldBe("Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Creates_sr_keeps_refusing_before_reading_wait_in_retrying_and_go_once_it_recovers()
    {
        var (tenant, connection, job, platform) = await ArrangeAsync();
        await tenant.SetFaultsAsync(new { resetRate = 1.0, methods = new[] { "POST" }, pathPattern = "/candidates$" });

        var id = await AcceptedAsync(platform, connection, job, Form(Applicant("outage@example.fr"), Pdf(21)));
        var waiting = await LaneTests.EventuallyAsync(async () =>
            await GetAsync(platform, id) is { } a && Steps(a).Any(s => s.Str("outcome") == "not-sent") ? a : null, "a not-sent attempt");
        waiting.Str("state").ShouldBeOneOf("Retrying", "Creating");
        (await tenant.CandidatesAsync()).ShouldBeEmpty();

        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}/faults")).EnsureSuccessStatusCode();
        await WaitAsync(platform, id, "Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Commit_then_drop_over_sockets_parks_the_application_with_exactly_one_candidate()
    {
        var (tenant, connection, job, platform) = await ArrangeAsync();
        await tenant.SetFaultsAsync(new { script = new[] { "commit-then-drop" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });

        var id = await AcceptedAsync(platform, connection, job, Form(Applicant("dropped@example.fr"), Pdf(22)));

        (await WaitAsync(platform, id, "NeedsReview"))["lastError"].Str("code").ShouldBe("sr.create_in_doubt");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_429_storm_costs_at_most_one_refusal_and_keeps_the_order_of_acceptance()
    {
        var (tenant, connection, job, platform) = await ArrangeAsync();
        // SR tightens the credential to 2 requests/s: the client learns it from the first answer's headers.
        await PutSettingsAsync(new { requestsPerSecond = 2 });
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 8; i++)
            {
                ids.Add(await AcceptedAsync(platform, connection, job, Form(Applicant($"storm{i}@example.fr"), Pdf(300 + i))));
            }

            foreach (var id in ids)
            {
                await WaitAsync(platform, id, "Delivered");
            }

            var emails = (await tenant.CandidatesAsync()).Select(c => c.Str("email")).ToList();
            emails.ShouldBe(Enumerable.Range(0, 8).Select(i => $"storm{i}@example.fr").ToList());
            var stats = await tenant.StatsAsync();
            stats["throttled"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(1, stats.ToJsonString());
        }
        finally
        {
            await PutSettingsAsync(new { requestsPerSecond = 10 });
        }
    }

    [Theory]
    [InlineData("create-new")]
    [InlineData("conflict")]
    [InlineData("return-existing")]
    public async Task Each_duplicate_policy_of_sr_ends_where_a_person_expects(string policy)
    {
        var (tenant, connection, job, platform) = await ArrangeAsync();
        await PutSettingsAsync(new { duplicatePolicy = policy });
        try
        {
            var first = await AcceptedAsync(platform, connection, job, Form(Applicant("twice@example.fr"), Pdf(40)), key: "first");
            var firstDone = await WaitAsync(platform, first, "Delivered");
            var second = await AcceptedAsync(platform, connection, job, Form(Applicant("twice@example.fr"), Pdf(41)), key: "second");
            var secondDone = await WaitAsync(platform, second, "Delivered", "Failed", "NeedsReview");
            var candidates = await tenant.CandidatesAsync();

            switch (policy)
            {
                case "create-new":
                    // SR's default: a second application is a second profile, which recruiters merge (SR's documented behaviour).
                    secondDone.Str("state").ShouldBe("Delivered");
                    candidates.Count.ShouldBe(2);
                    break;
                case "conflict":
                    secondDone.Str("state").ShouldBe("Failed");
                    secondDone["lastError"].Str("code").ShouldBe("sr.duplicate");
                    secondDone["lastError"].Str("remedy").ShouldContain("mark this application delivered");
                    candidates.Count.ShouldBe(1);
                    break;
                default:
                    secondDone.Str("state").ShouldBe("Delivered");
                    secondDone.Str("srCandidateId").ShouldBe(firstDone.Str("srCandidateId"));
                    candidates.ShouldHaveSingleItem()!["attachments"]!.AsArray().Count(a => a.Str("type") == "RESUME").ShouldBe(2);
                    break;
            }
        }
        finally
        {
            await PutSettingsAsync(new { duplicatePolicy = "create-new" });
        }
    }

    private async Task PutSettingsAsync(object settings) =>
        (await _sandbox.Http().PutAsJsonAsync("/_sandbox/settings", settings)).EnsureSuccessStatusCode();
}
