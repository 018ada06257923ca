using System.Net;
using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

/// <summary>SR's per-credential limits on a fake clock: exact, whatever the machine's speed.</summary>
public sealed class RequestRateTests(FakeClockSandboxFactory sandbox) : IClassFixture<FakeClockSandboxFactory>
{
    [Fact]
    public async Task A_credential_gets_10_requests_in_any_second_then_429_with_rate_limit_headers()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        sandbox.Clock.Advance(TimeSpan.FromSeconds(2));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 13; i++)
        {
            last = await api.GetAsync("/jobs");
            statuses.Add(last.StatusCode);
        }

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBe(10);
        statuses.Skip(10).ShouldAllBe(s => s == HttpStatusCode.TooManyRequests);
        await last!.ShouldBeSrErrorAsync(HttpStatusCode.TooManyRequests);
        last!.Headers.GetValues("X-RateLimit-Limit").Single().ShouldBe("10");
        last.Headers.GetValues("X-RateLimit-Remaining").Single().ShouldBe("0");
        last.Headers.GetValues("X-RateLimit-Concurrent-Limit").Single().ShouldBe("8");
        last.Headers.Contains("Retry-After").ShouldBeFalse("SR does not document Retry-After, so it is off by default");

        sandbox.Clock.Advance(TimeSpan.FromMilliseconds(999));
        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "the window slides: one second has not passed yet");
        sandbox.Clock.Advance(TimeSpan.FromMilliseconds(1));
        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var stats = await tenant.StatsAsync();
        stats["peakRequestsPerSecond"]!.GetValue<int>().ShouldBe(10);
        stats["throttled"]!.GetValue<long>().ShouldBe(4);
    }

    [Fact]
    public async Task Token_requests_count_toward_the_limit()
    {
        var tenant = await sandbox.NewTenantAsync();
        sandbox.Clock.Advance(TimeSpan.FromSeconds(2));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            statuses.Add((await tenant.RequestTokenAsync()).StatusCode);
        }

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBe(10);
        statuses[^1].ShouldBe(HttpStatusCode.TooManyRequests);
        (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>().ShouldBe(11);
    }

    [Fact]
    public async Task One_credential_at_its_limit_leaves_others_untouched()
    {
        var busy = await sandbox.NewTenantAsync();
        var quiet = await sandbox.NewTenantAsync();
        var busyApi = await busy.ApiAsync();
        var quietApi = await quiet.ApiAsync();
        sandbox.Clock.Advance(TimeSpan.FromSeconds(2));

        for (var i = 0; i < 15; i++)
        {
            await busyApi.GetAsync("/jobs");
        }

        (await busyApi.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await quietApi.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Retry_after_is_sent_when_configured()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var control = sandbox.Http();
        (await control.PutAsJsonAsync("/_sandbox/settings", new { sendRetryAfter = true })).EnsureSuccessStatusCode();
        try
        {
            sandbox.Clock.Advance(TimeSpan.FromSeconds(2));
            HttpResponseMessage response;
            do
            {
                response = await api.GetAsync("/jobs");
            }
            while (response.StatusCode == HttpStatusCode.OK);

            response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        }
        finally
        {
            (await control.PutAsJsonAsync("/_sandbox/settings", new { sendRetryAfter = false })).EnsureSuccessStatusCode();
        }
    }
}

/// <summary>Concurrency on the real clock: callers in parallel, each request held by added latency.</summary>
public sealed class ConcurrencyLimitTests(SrLimitsSandboxFactory sandbox) : IClassFixture<SrLimitsSandboxFactory>
{
    [Fact]
    public async Task Parallel_callers_never_get_more_than_8_in_flight_and_other_credentials_are_unaffected()
    {
        var busy = await sandbox.NewTenantAsync();
        var quiet = await sandbox.NewTenantAsync();
        var busyApi = await busy.ApiAsync();
        var quietApi = await quiet.ApiAsync();
        await busy.SetFaultsAsync(new { latencyMs = 400 });

        var flood = Enumerable.Range(0, 24).Select(_ => busyApi.GetAsync("/jobs")).ToList();
        await Task.Delay(100);
        var bystander = await quietApi.GetAsync("/jobs");
        var statuses = (await Task.WhenAll(flood)).Select(r => r.StatusCode).ToList();

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeLessThanOrEqualTo(8);
        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeGreaterThan(0);
        statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.TooManyRequests);
        bystander.StatusCode.ShouldBe(HttpStatusCode.OK);

        var stats = await busy.StatsAsync();
        stats["peakConcurrency"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(8);
        stats["peakRequestsPerSecond"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(10);
        stats["inFlight"]!.GetValue<int>().ShouldBe(0);
        stats["throttled"]!.GetValue<long>().ShouldBe(statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        stats["endpoints"]!["GET /jobs"]!["statuses"]!["429"]!.GetValue<long>().ShouldBe(statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Many_callers_over_a_few_seconds_never_exceed_10_admitted_per_second()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        await tenant.SetFaultsAsync(new { latencyMs = 50 });
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(2.5);

        var callers = Enumerable.Range(0, 16).Select(async _ =>
        {
            var ok = 0;
            while (TimeProvider.System.GetUtcNow() < deadline)
            {
                if ((await api.GetAsync("/jobs?limit=1")).StatusCode == HttpStatusCode.OK)
                {
                    ok++;
                }
            }

            return ok;
        });
        var admitted = (await Task.WhenAll(callers)).Sum();

        var stats = await tenant.StatsAsync();
        stats["peakRequestsPerSecond"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(10);
        stats["peakConcurrency"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(8);
        admitted.ShouldBeGreaterThan(0);
        // What the callers saw admitted is what the sandbox counted as admitted (the token request aside).
        (stats["requests"]!.GetValue<long>() - stats["throttled"]!.GetValue<long>() - 1).ShouldBe(admitted);
    }

    [Fact]
    public async Task Reading_candidates_is_one_at_a_time_per_credential_as_at_sr()
    {
        var tenant = await sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read");
        var api = await tenant.ApiAsync();
        await tenant.SetFaultsAsync(new { latencyMs = 300, pathPattern = "^/candidates$" });

        var both = await Task.WhenAll(api.GetAsync("/candidates?limit=1"), api.GetAsync("/candidates?limit=1"));
        var jobs = await api.GetAsync("/jobs");

        both.Select(r => r.StatusCode).ShouldBe([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], ignoreOrder: true);
        both.ShouldAllBe(r => r.Headers.GetValues("X-RateLimit-Concurrent-Limit").Single() == "1");
        jobs.Headers.GetValues("X-RateLimit-Concurrent-Limit").Single().ShouldBe("8");
        (await tenant.StatsAsync())["endpoints"]!["GET /candidates"]!["peakConcurrency"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Every_sr_response_carries_the_four_rate_limit_headers()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        foreach (var response in new[]
                 {
                     await api.GetAsync("/jobs"), await api.GetAsync($"/jobs/{Guid.NewGuid()}"), await sandbox.Http().GetAsync("/jobs"),
                     await tenant.RequestTokenAsync(), await sandbox.Http().GetAsync("/v1/companies/x/postings"), await api.GetAsync("/no/such/path"),
                 })
        {
            foreach (var header in new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Concurrent-Limit", "X-RateLimit-Concurrent-Remaining" })
            {
                response.Headers.Contains(header).ShouldBeTrue($"{header} on {response.RequestMessage!.RequestUri} ({response.StatusCode})");
            }
        }
    }
}
