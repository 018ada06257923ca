using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

/// <summary>The client against SR's real limits on the real clock (figures for the record are in bench/, not here).</summary>
public sealed class RateLimitTests(SrLimitsSandboxFactory sandbox) : IClassFixture<SrLimitsSandboxFactory>
{
    [Fact]
    public async Task Many_concurrent_callers_of_one_credential_stay_within_sr_limits_without_a_429()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await tenant.SetFaultsAsync(new { latencyMs = 40, latencyJitterMs = 20 });
        await using var harness = ClientHarness.For(sandbox);
        var credential = harness.Credential(tenant);
        using var requests = harness.Collect("passerelle.sr.requests");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => harness.Client.GetJobAsync(credential, jobId)));

        outcomes.ShouldAllBe(o => o.IsSuccess);
        var stats = await tenant.StatsAsync();
        stats["throttled"]!.GetValue<long>().ShouldBe(0);
        stats["peakConcurrency"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(8);
        stats["peakRequestsPerSecond"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(10);
        requests.GetMeasurementSnapshot().Sum(m => m.Value).ShouldBe(33, "32 reads and the token request");
    }

    [Fact]
    public async Task A_stricter_sr_is_learnt_from_its_headers_and_every_call_still_succeeds()
    {
        await using var strict = new SrLimitsSandboxFactory();
        (await strict.Http().PutAsJsonAsync("/_sandbox/settings", new { requestsPerSecond = 4, sendRetryAfter = true })).EnsureSuccessStatusCode();
        var tenant = await strict.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var harness = ClientHarness.For(strict, o => o.MaxAttempts = 6);
        var credential = harness.Credential(tenant);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => harness.Client.GetJobAsync(credential, jobId)));

        outcomes.ShouldAllBe(o => o.IsSuccess);
        var stats = await tenant.StatsAsync();
        stats["throttled"]!.GetValue<long>().ShouldBeLessThanOrEqualTo(8, "the client adapts after SR says its limit is 4");
        stats["peakRequestsPerSecond"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(4);
    }

    [Fact]
    public async Task Two_credentials_have_separate_budgets()
    {
        var busy = await sandbox.NewTenantAsync();
        var quiet = await sandbox.NewTenantAsync();
        var busyJob = await busy.AddJobIdAsync();
        var quietJob = await quiet.AddJobIdAsync();
        await busy.SetFaultsAsync(new { latencyMs = 300 });
        await using var harness = ClientHarness.For(sandbox);

        var flood = Enumerable.Range(0, 40).Select(_ => harness.Client.GetJobAsync(harness.Credential(busy), busyJob)).ToList();
        var bystander = await harness.Client.GetJobAsync(harness.Credential(quiet), quietJob);
        var floodStillRunning = flood.Count(t => !t.IsCompleted);
        await Task.WhenAll(flood);

        bystander.IsSuccess.ShouldBeTrue();
        // The busy credential needs four seconds for its 40 calls; the quiet one is not queued behind them.
        floodStillRunning.ShouldBeGreaterThan(20);
    }
}
