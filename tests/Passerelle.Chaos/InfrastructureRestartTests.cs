using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace Passerelle.Chaos;

/// <summary>
/// <b>database restart</b> and <b>Redis restart</b> under load: test.sh's PostgreSQL or Redis stopped for a while,
/// then started again, while applications arrive. Pass: while the database is down, intake answers 503 with
/// Retry-After (never 2xx without a durable write: nothing accepted is missing afterwards); processing resumes by
/// itself; 0 lost, 0 duplicates.
/// </summary>
[Collection(nameof(Chaos))]
[Trait("Category", "Chaos")]
public sealed class InfrastructureRestartTests(ITestOutputHelper output)
{
    private static int ConnectionCount => ChaosSize.Full ? 20 : 4;
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(15);

    [SkippableFact]
    public async Task While_the_database_is_down_intake_says_retry_and_afterwards_nothing_is_lost()
    {
        var control = Control("PASSERELLE_TEST_POSTGRES_CONTROL");
        await using var cluster = await ChaosCluster.StartAsync("dbrestart", 3, output, "--random-seed", "17", "--latency-ms", "30");
        await cluster.AddConnectionsAsync(ConnectionCount);
        var key = await cluster.Nodes[0].NewKeyAsync("platform");
        var work = new Workload(cluster, key, 777);
        var planned = work.Plan(ChaosSize.Full ? 400 : 80, largeEvery: 10);
        var failures = new List<string>();

        var clock = Stopwatch.StartNew();
        var submitting = work.SubmitAsync(planned, TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(10));
        await RunAsync(control, "stop");
        var stoppedAt = clock.Elapsed;

        // What a caller sees while it is down: a 503 that says when to come back, on every node.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var answers = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            using var http = node.Http(key);
            using var response = await http.GetAsync($"/api/v1/connections/{cluster.Connections[0].Id}/applications?limit=1");
            answers.Add($"{(int)response.StatusCode}{(response.Headers.RetryAfter is null ? "" : " Retry-After")}");
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null)
            {
                failures.Add($"node {node.BaseAddress} answered {(int)response.StatusCode} with the database down (503 with Retry-After expected)");
            }
        }

        await Task.Delay(Down - TimeSpan.FromSeconds(3));
        await RunAsync(control, "start");
        var downFor = clock.Elapsed - stoppedAt;
        await submitting;

        var settled = await work.SettleAsync(TimeSpan.FromSeconds(150));
        var verdict = await work.VerifyAsync();
        failures.AddRange(verdict.Failures);
        var during = planned.SelectMany(s => s.Outcomes).ToList();
        var serverErrors = during.Count(o => o.Status >= 500 && o.Status != 503);
        if (serverErrors > 0)
        {
            failures.Add($"{serverErrors} submissions answered a 5xx other than 503");
        }

        var figures = $"PostgreSQL down {downFor.TotalSeconds:0} s under load; reads and intake during it: {string.Join(", ", answers)}; " +
                      $"{during.Count(o => o.Status == 503)} submission attempts answered 503 and were sent again, {serverErrors} other 5xx; {verdict}; settled {settled.TotalSeconds:0} s after";
        Verdicts.Write(output, "database restart", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        failures.ShouldBeEmpty(figures);
    }

    [SkippableFact]
    public async Task A_Redis_restart_under_load_loses_nothing_and_the_cluster_carries_on()
    {
        var control = Control("PASSERELLE_TEST_REDIS_CONTROL");
        await using var cluster = await ChaosCluster.StartAsync("redisrestart", 3, output, "--random-seed", "19", "--latency-ms", "30");
        await cluster.AddConnectionsAsync(ConnectionCount);
        var key = await cluster.Nodes[0].NewKeyAsync("platform");
        var work = new Workload(cluster, key, 999);
        var planned = work.Plan(ChaosSize.Full ? 400 : 80, largeEvery: 10);

        var clock = Stopwatch.StartNew();
        var submitting = work.SubmitAsync(planned, TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(10));
        await RunAsync(control, "stop");
        var stoppedAt = clock.Elapsed;
        await Task.Delay(Down);
        await RunAsync(control, "start"); // empty: the membership table is gone with it
        var downFor = clock.Elapsed - stoppedAt;
        await submitting;

        // Work submitted after the restart too, so that it is the cluster as it is now that delivers it.
        var after = work.Plan(ChaosSize.Full ? 100 : 20, largeEvery: 0);
        await work.SubmitAsync(after, TimeSpan.FromSeconds(5));
        var settled = await work.SettleAsync(TimeSpan.FromSeconds(150));
        var verdict = await work.VerifyAsync();
        var running = cluster.Nodes.Count(n => n.ProcessId is not null);
        var failures = verdict.Failures.ToList();
        var figures = $"Redis down {downFor.TotalSeconds:0} s under load and back empty; {running}/3 nodes still running; {verdict}; settled {settled.TotalSeconds:0} s after";
        Verdicts.Write(output, "Redis restart", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        failures.ShouldBeEmpty(figures);
    }

    private static string Control(string variable)
    {
        ChaosCluster.Requirements();
        var control = Environment.GetEnvironmentVariable(variable);
        Skip.If(string.IsNullOrEmpty(control), $"{variable} is not set: run ./test.sh, which can stop and start its own PostgreSQL and Redis.");
        return control!;
    }

    private static async Task RunAsync(string control, string verb)
    {
        using var process = Process.Start(new ProcessStartInfo(control, [verb]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{control} did not start.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"{control} {verb}: {error}");
    }
}
