using System.Diagnostics;
using Xunit.Abstractions;

namespace Passerelle.Chaos;

/// <summary>
/// <b>zombie</b>: a node frozen (SIGSTOP) for longer than failure detection, then thawed; <b>rolling restart</b>: every
/// node stopped gracefully and started again in turn, under load.
/// </summary>
[Collection(nameof(Chaos))]
[Trait("Category", "Chaos")]
public sealed class ZombieAndRestartTests(ITestOutputHelper output)
{
    private static int ConnectionCount => ChaosSize.Full ? 20 : 6;

    /// <summary>Longer than Orleans' failure detection (3 missed probes of 5 s, then the votes), so the cluster declares the node dead.</summary>
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(45);

    [SkippableFact]
    public async Task A_frozen_node_s_lanes_run_elsewhere_and_its_stale_writes_change_nothing_when_it_wakes()
    {
        await using var cluster = await ChaosCluster.StartAsync("zombie", 3, output, "--random-seed", "11", "--latency-ms", "30");
        await cluster.AddConnectionsAsync(ConnectionCount);
        var work = new Workload(cluster, await cluster.Nodes[0].NewKeyAsync("platform"), 31337);
        var failures = new List<string>();

        // Work under way on every lane, then the node holding the most lanes freezes mid-delivery.
        var before = work.Plan(ChaosSize.Full ? 200 : 40, largeEvery: 10);
        var submitting = work.SubmitAsync(before, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var lanes = await cluster.LanesAsync();
        var victim = lanes.Values.Where(n => n >= 0).GroupBy(n => n).OrderByDescending(g => g.Count()).First().Key;
        var moved = lanes.Where(l => l.Value == victim).Select(l => l.Key).ToList();
        var zombie = cluster.Nodes[victim];
        cluster.Paused.Add(zombie);
        await zombie.PauseAsync();
        var frozen = Stopwatch.StartNew();
        await submitting;

        // While it is frozen: new work on its connections, which other nodes must take over and deliver.
        var during = work.Plan(ChaosSize.Full ? 100 : 24, largeEvery: 0, connections: moved);
        await work.SubmitAsync(during, TimeSpan.FromSeconds(5));
        await work.SettleAsync(TimeSpan.FromSeconds(120), during);
        var tookOver = frozen.Elapsed;
        var states = await work.StatesAsync(moved);
        var deliveredMeanwhile = during.Count(s => states.GetValueOrDefault(s.ApplicationId ?? "") == "Delivered");
        if (deliveredMeanwhile < during.Count)
        {
            failures.Add($"only {deliveredMeanwhile} of {during.Count} applications of the frozen node's {moved.Count} connections were delivered while it was frozen");
        }

        var lanesMeanwhile = await cluster.LanesAsync();
        var stillOnZombie = moved.Count(c => lanesMeanwhile[c] == victim);
        if (stillOnZombie > 0)
        {
            failures.Add($"{stillOnZombie} lanes still placed on the frozen node after {frozen.Elapsed.TotalSeconds:0} s");
        }

        if (frozen.Elapsed < Freeze)
        {
            await Task.Delay(Freeze - frozen.Elapsed);
        }

        // It wakes believing it still owns its lanes and its in-flight steps: whatever it writes now must be refused.
        await zombie.ResumeAsync();
        cluster.Paused.Remove(zombie);
        var frozenFor = frozen.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(15));
        var zombieExited = zombie.ProcessId is null;
        if (zombieExited)
        {
            // Declared dead, the silo stops itself (Orleans' rule); the operator's supervisor starts it again.
            await zombie.RestartAsync();
        }

        var after = work.Plan(ChaosSize.Full ? 100 : 18, largeEvery: 0);
        await work.SubmitAsync(after, TimeSpan.FromSeconds(5));
        var settled = await work.SettleAsync(TimeSpan.FromSeconds(120));
        var verdict = await work.VerifyAsync();
        failures.AddRange(verdict.Failures);
        var figures = $"node{victim + 1} frozen {frozenFor.TotalSeconds:0} s holding {moved.Count} of {ConnectionCount} lanes; {deliveredMeanwhile}/{during.Count} of its connections' " +
                      $"new applications delivered elsewhere {tookOver.TotalSeconds:0} s into the freeze; on waking it {(zombieExited ? "stopped itself (declared dead) and was restarted" : "kept running")}; " +
                      $"{verdict}; settled {settled.TotalSeconds:0} s after";
        Verdicts.Write(output, "zombie", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        failures.ShouldBeEmpty(figures);
    }

    [SkippableFact]
    public async Task Restarting_every_node_in_turn_under_load_loses_and_duplicates_nothing()
    {
        await using var cluster = await ChaosCluster.StartAsync("rolling", 3, output, "--random-seed", "13", "--latency-ms", "30");
        await cluster.AddConnectionsAsync(ConnectionCount);
        var work = new Workload(cluster, await cluster.Nodes[0].NewKeyAsync("platform"), 4242);
        var planned = work.Plan(ChaosSize.Full ? 600 : 90);

        var clock = Stopwatch.StartNew();
        var restarts = new List<string>();
        var roller = Task.Run(async () =>
        {
            for (var i = 0; i < cluster.Nodes.Count; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(4));
                var at = clock.Elapsed;
                await cluster.Nodes[i].RestartAsync(); // SIGTERM: in-flight steps finish or are released, then the node starts again
                restarts.Add($"node{i + 1}@{at.TotalSeconds:0}s({(clock.Elapsed - at).TotalSeconds:0}s, start #{cluster.Nodes[i].Starts})");
            }
        });
        await Task.WhenAll(work.SubmitAsync(planned, TimeSpan.FromSeconds(ChaosSize.Full ? 120 : 45)), roller);
        var rolled = clock.Elapsed;

        var settled = await work.SettleAsync(TimeSpan.FromSeconds(120));
        var verdict = await work.VerifyAsync();
        var figures = $"3 nodes restarted one by one (SIGTERM) in {rolled.TotalSeconds:0} s: {string.Join(", ", restarts)}; {verdict}; settled {settled.TotalSeconds:0} s after";
        Verdicts.Write(output, "rolling restart", verdict.Passed, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        verdict.Failures.ShouldBeEmpty(figures);
    }
}
