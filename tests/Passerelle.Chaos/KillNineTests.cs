using System.Diagnostics;
using Xunit.Abstractions;

namespace Passerelle.Chaos;

/// <summary>The scenarios start processes and keep both cores busy: one at a time, after nothing else.</summary>
[CollectionDefinition(nameof(Chaos), DisableParallelization = true)]
public sealed class Chaos;

/// <summary>
/// <b>kill -9</b>: applications pour in over many connections while a random node of three is SIGKILLed and
/// restarted again and again. Pass: every accepted application ends Delivered or NeedsReview, no duplicate candidate
/// in SR outside NeedsReview, every CV's SHA-256 as sent, all terminal within the bound after the last kill.
/// </summary>
[Collection(nameof(Chaos))]
[Trait("Category", "Chaos")]
public sealed class KillNineTests(ITestOutputHelper output)
{
    private const int Seed = 20261206;

    private static int ApplicationCount => ChaosSize.Full ? 1000 : 120;
    private static int ConnectionCount => ChaosSize.Full ? 20 : 6;
    private static int KillCount => ChaosSize.Full ? 20 : 5;
    private static (int Min, int Max) KillEvery => ChaosSize.Full ? (10_000, 30_000) : (5_000, 10_000);
    private static TimeSpan SettleBound => ChaosSize.Full ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(100);

    [SkippableFact]
    public async Task Every_application_is_delivered_once_or_parked_for_review_while_nodes_are_killed()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await ChaosCluster.StartAsync("kill9", 3, output, "--random-seed", "9", "--latency-ms", "30", "--jitter-ms", "20");
        cluster.Log($"3 nodes up in {clock.Elapsed.TotalSeconds:0} s");
        await cluster.AddConnectionsAsync(ConnectionCount);
        var work = new Workload(cluster, await cluster.Nodes[0].NewKeyAsync("platform"), Seed);
        var planned = work.Plan(ApplicationCount);

        // The killer: a random node SIGKILLed at random moments, then restarted on its data; submissions spread over it.
        var kills = new List<(TimeSpan At, int Node, TimeSpan Down)>();
        var started = Stopwatch.StartNew();
        var expected = TimeSpan.FromMilliseconds(KillCount * ((KillEvery.Min + KillEvery.Max) / 2 + 10_000));
        var killer = Task.Run(async () =>
        {
            var moments = new Random(Seed + 1);
            for (var k = 0; k < KillCount; k++)
            {
                await Task.Delay(moments.Next(KillEvery.Min, KillEvery.Max + 1));
                var victim = moments.Next(cluster.Nodes.Count);
                var at = started.Elapsed;
                cluster.Nodes[victim].Kill();
                await cluster.Nodes[victim].RestartAsync();
                kills.Add((at, victim + 1, started.Elapsed - at));
            }
        });
        await Task.WhenAll(work.SubmitAsync(planned, expected), killer);
        var lastKill = started.Elapsed;
        cluster.Log($"submitted {planned.Count} with {kills.Count} kills: {string.Join(", ", kills.Select(k => $"node{k.Node}@{k.At.TotalSeconds:0}s(down {k.Down.TotalSeconds:0.0}s)"))}");

        var settled = await work.SettleAsync(SettleBound);
        var verdict = await work.VerifyAsync();
        var figures = $"{kills.Count} kills over {lastKill.TotalSeconds:0} s; {verdict}; all terminal {settled.TotalSeconds:0} s after the last kill " +
                      $"(bound {SettleBound.TotalSeconds:0} s); {ConnectionCount} connections, {planned.Count(s => s.Cv.Length > 5_000_000)} CVs of 5-10 MB";
        Verdicts.Write(output, "kill -9", verdict.Passed && settled < SettleBound, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        verdict.Failures.ShouldBeEmpty(figures);
        settled.ShouldBeLessThan(SettleBound, figures);
    }
}
