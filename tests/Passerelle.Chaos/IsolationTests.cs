using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Passerelle.Chaos;

/// <summary>
/// One customer's trouble is never another's, and SR's limits hold with the lanes spread over three nodes:
/// <b>SR outage for one connection</b>, <b>noisy neighbour</b>, <b>rate limits across nodes</b>. SR answers with a
/// realistic latency (150 ± 50 ms), so that a connection with a backlog is held back by its credential's budget
/// (10 requests/s, two requests an application), not by this machine: its throughput is then a known ceiling, and a
/// drop below it is another connection's doing.
/// </summary>
[Collection(nameof(Chaos))]
[Trait("Category", "Chaos")]
public sealed class IsolationTests(ITestOutputHelper output)
{
    private static readonly string[] Latency = ["--latency-ms", "150", "--jitter-ms", "50"];

    /// <summary>
    /// Three connections (full: five) fed faster than SR lets them deliver, so each has a growing backlog; one of them
    /// gets nothing but 503s from SR for a while (full: 10 minutes). Pass: the others deliver as many applications per
    /// second during the outage as before it (±10 %), the outage connection knocks gently (a probe, backing off) and,
    /// once SR is back, drains its queue without a single 429; nothing lost or duplicated.
    /// </summary>
    [SkippableFact]
    public async Task An_SR_outage_for_one_connection_leaves_the_others_throughput_alone_and_it_drains_afterwards()
    {
        var others = ChaosSize.Full ? 4 : 2;
        var warmUp = TimeSpan.FromSeconds(15);
        var baseline = TimeSpan.FromSeconds(ChaosSize.Full ? 60 : 25);
        var outage = ChaosSize.Full ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(40);
        await using var cluster = await ChaosCluster.StartAsync("sroutage", 3, output, ["--random-seed", "23", .. Latency]);
        await cluster.AddConnectionsAsync(others + 1);
        var victim = cluster.Connections[0];
        var healthy = cluster.Connections.Skip(1).ToList();
        var work = new Workload(cluster, await cluster.Nodes[0].NewKeyAsync("platform"), 2323);

        // 5.5 applications/s for each healthy connection (its ceiling is about 4.65/s), 1/s for the victim, throughout.
        var feedFor = warmUp + baseline + outage + TimeSpan.FromSeconds(10);
        var feeding = new List<Task>();
        foreach (var connection in healthy)
        {
            feeding.Add(work.SubmitAsync(work.Plan((int)(feedFor.TotalSeconds * 5.5), largeEvery: 0, connections: [connection]), feedFor));
        }

        var victimFeed = warmUp + baseline + outage;
        var victimFeeding = work.SubmitAsync(work.Plan((int)victimFeed.TotalSeconds, largeEvery: 0, connections: [victim]), victimFeed);
        var clock = Stopwatch.StartNew();
        await Task.Delay(warmUp);
        var baselineFrom = TimeProvider.System.GetUtcNow();
        await Task.Delay(baseline);
        var outageFrom = TimeProvider.System.GetUtcNow();
        await victim.Tenant.SetFaultsAsync(new { error503Rate = 1.0 });
        var victimBefore = await StatsAsync(victim);
        cluster.Log($"SR answers 503 to {victim.Id} from {clock.Elapsed.TotalSeconds:0} s");
        await Task.Delay(outage);
        var outageTo = TimeProvider.System.GetUtcNow();
        var victimDuring = await StatsAsync(victim);
        (await victim.Tenant.Http().DeleteAsync($"/_sandbox/credentials/{victim.Tenant.ClientId}/faults")).EnsureSuccessStatusCode();
        cluster.Log($"SR is back for {victim.Id} at {clock.Elapsed.TotalSeconds:0} s");
        await victimFeeding;

        // From SR's recovery until the last application queued during the outage is delivered.
        var victimSubmissions = work.Submissions.Where(s => s.Connection == victim).ToList();
        var drained = await work.SettleAsync(TimeSpan.FromSeconds(ChaosSize.Full ? 600 : 180), victimSubmissions);
        await Task.WhenAll(feeding);
        var settled = await work.SettleAsync(TimeSpan.FromSeconds(ChaosSize.Full ? 600 : 180));
        var victimAfter = await StatsAsync(victim);
        var verdict = await work.VerifyAsync();
        var failures = verdict.Failures.ToList();

        // Throughput: applications delivered per second in each window, per healthy connection (the outage's first
        // 10 s left out: the victim's lane is then finding out).
        var ratios = new List<double>();
        foreach (var connection in healthy)
        {
            var delivered = (await work.TimesAsync(connection)).Where(t => t.DeliveredAt is not null).Select(t => t.DeliveredAt!.Value).ToList();
            var before = Rate(delivered, baselineFrom, outageFrom);
            var during = Rate(delivered, outageFrom.AddSeconds(10), outageTo);
            ratios.Add(during / before);
            cluster.Log($"connection {connection.Index}: {before:0.00}/s before, {during:0.00}/s during the outage");
            if (before < 3.0)
            {
                failures.Add($"connection {connection.Index} delivered only {before:0.00}/s before the outage: its budget, not the machine, must be the limit for this scenario to mean anything");
            }
        }

        var outRange = ratios.Count(r => r is < 0.9 or > 1.1);
        if (outRange > 0)
        {
            failures.Add($"{outRange} healthy connections' throughput moved more than 10 % during the outage: {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}");
        }

        var knocks = victimDuring.Requests - victimBefore.Requests;
        var throttledAfter = victimAfter.Throttled - victimDuring.Throttled;
        if (throttledAfter > 0)
        {
            failures.Add($"{throttledAfter} 429s while the victim drained");
        }

        var throttledOthers = 0L;
        foreach (var connection in healthy)
        {
            throttledOthers += (await StatsAsync(connection)).Throttled;
        }

        var figures = string.Create(CultureInfo.InvariantCulture,
            $"SR 503 for 1 of {others + 1} connections for {outage.TotalSeconds:0} s; healthy throughput during/before {ratios.Min():0.00}-{ratios.Max():0.00} " +
            $"(±10 % allowed); the victim sent {knocks} requests during the outage ({knocks / outage.TotalSeconds:0.00}/s), drained {victimSubmissions.Count} applications " +
            $"in {drained.TotalSeconds:0} s with {throttledAfter} 429s ({throttledOthers} 429s for the others over the whole run); {verdict}; all settled {settled.TotalSeconds:0} s after the feed");
        Verdicts.Write(output, "SR outage, one connection", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        failures.ShouldBeEmpty(figures);
    }

    /// <summary>
    /// One connection receives a huge backlog (full: 20,000 applications; reduced 1,200) while three others receive 10
    /// each during it. Pass: the quiet connections' applications go from accepted to delivered in under 60 s at the
    /// 95th percentile, with the noisy one's backlog still there when the last of them is delivered.
    /// </summary>
    [SkippableFact]
    public async Task A_connection_with_a_huge_backlog_does_not_hold_back_the_applications_of_the_others()
    {
        var backlog = ChaosSize.Full ? 20_000 : 1_200;
        await using var cluster = await ChaosCluster.StartAsync("noisy", 3, output, ["--random-seed", "29", .. Latency]);
        await cluster.AddConnectionsAsync(4);
        var noisy = cluster.Connections[0];
        var quiet = cluster.Connections.Skip(1).ToList();
        var platform = await cluster.Nodes[0].NewKeyAsync("platform");
        var loud = new Workload(cluster, platform, 2929);
        var calm = new Workload(cluster, platform, 3131);

        // The backlog pours in as fast as intake takes it; the quiet ones' 30 arrive spread over 30 s in the middle of it.
        var clock = Stopwatch.StartNew();
        var flood = loud.Plan(backlog, largeEvery: 0, connections: [noisy]);
        var flooding = loud.SubmitAsync(flood, TimeSpan.Zero);
        while (flood.Count(s => s.ApplicationId is not null) < Math.Min(backlog / 3, 1000))
        {
            await Task.Delay(500);
        }

        var placement = await cluster.LanesAsync();
        cluster.Log($"{flood.Count(s => s.ApplicationId is not null)} of the backlog accepted after {clock.Elapsed.TotalSeconds:0} s; lanes on nodes {string.Join(", ", placement.Select(p => $"{p.Key.Index}->{p.Value + 1}"))}");
        var trickle = calm.Plan(30, largeEvery: 0, connections: quiet);
        await calm.SubmitAsync(trickle, TimeSpan.FromSeconds(30));
        var settled = await calm.SettleAsync(TimeSpan.FromSeconds(180));
        var noisyPending = (await loud.TimesAsync(noisy)).Count(t => t.State is not ("Delivered" or "NeedsReview" or "Failed"));
        var floodAccepted = flood.Count(s => s.ApplicationId is not null);

        var latencies = new List<double>();
        foreach (var connection in quiet)
        {
            latencies.AddRange((await calm.TimesAsync(connection)).Where(t => t.DeliveredAt is not null).Select(t => (t.DeliveredAt!.Value - t.AcceptedAt).TotalSeconds));
        }

        latencies.Sort();
        var p95 = latencies.Count == 0 ? double.PositiveInfinity : latencies[(int)Math.Ceiling(latencies.Count * 0.95) - 1];
        var verdict = await calm.VerifyAsync();
        var failures = verdict.Failures.ToList();
        if (p95 >= 60)
        {
            failures.Add($"the quiet connections' p95 accepted→delivered is {p95:0.0} s (under 60 s required)");
        }

        if (noisyPending == 0)
        {
            failures.Add("the noisy connection's backlog was gone before the quiet ones were delivered: the scenario proved nothing");
        }

        var shared = quiet.Count(q => placement.GetValueOrDefault(q, -2) == placement.GetValueOrDefault(noisy, -3));
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"backlog of {backlog:N0} on one connection ({floodAccepted:N0} accepted so far, {noisyPending:N0} still waiting at the end); 30 applications over 3 other connections " +
            $"({shared} of them on the noisy lane's node): accepted→delivered p50 {latencies.ElementAtOrDefault(latencies.Count / 2):0.0} s, p95 {p95:0.0} s, max {latencies.LastOrDefault():0.0} s " +
            $"(p95 < 60 s required); {verdict}; settled {settled.TotalSeconds:0} s after the last");
        Verdicts.Write(output, "noisy neighbour", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(calm.Secrets());
        failures.ShouldBeEmpty(figures);
        await flooding.WaitAsync(TimeSpan.FromMinutes(ChaosSize.Full ? 20 : 5));
    }

    /// <summary>
    /// Three nodes, many connections (full: 50; reduced: 5), each with a backlog of applications: SR answers 503 to
    /// everyone while they arrive (the way backlogs form in production: an outage, then the recovery), then comes
    /// back. Pass, as the sandbox observed it for every credential: never more than 8 requests in flight, never more
    /// than 10 in a second, not one 429; and from its first delivery after the recovery until its backlog is gone
    /// (fewer than 8 applications waiting), each credential used at least 85 % of its 10 requests/s.
    /// </summary>
    [SkippableFact]
    public async Task Across_three_nodes_every_credential_stays_within_SR_limits_and_uses_its_budget()
    {
        // 50 connections deliver at up to 465 requests/s in all, more than a 2-core machine can carry (it peaked at about
        // 195): PASSERELLE_CHAOS_RATE_CONNECTIONS runs the scenario at the size a given machine can saturate.
        var connections = int.TryParse(Environment.GetEnvironmentVariable("PASSERELLE_CHAOS_RATE_CONNECTIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : ChaosSize.Full ? 50 : 5;
        var each = ChaosSize.Full ? 400 : 200;
        await using var cluster = await ChaosCluster.StartAsync("ratelimits", 3, output, ["--random-seed", "31", .. Latency]);
        await cluster.AddConnectionsAsync(connections);
        var work = new Workload(cluster, await cluster.Nodes[0].NewKeyAsync("platform"), 3737);
        var planned = work.Plan(connections * each, largeEvery: 0);

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(cluster.Connections.Select(c => c.Tenant.SetFaultsAsync(new { error503Rate = 1.0 })));
        await work.SubmitAsync(planned, TimeSpan.Zero);
        var intake = clock.Elapsed;
        var placement = await cluster.LanesAsync();
        var before = await Task.WhenAll(cluster.Connections.Select(StatsAsync));

        // What SR counted for each credential, every second, from its recovery until every backlog is delivered.
        var samples = new List<(DateTimeOffset At, long[] Admitted)>();
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                var at = TimeProvider.System.GetUtcNow();
                var stats = await Task.WhenAll(cluster.Connections.Select(StatsAsync));
                samples.Add((at, [.. stats.Select(s => s.Requests - s.Throttled)]));
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }, CancellationToken.None);
        await Task.WhenAll(cluster.Connections.Select(c => c.Tenant.Http().DeleteAsync($"/_sandbox/credentials/{c.Tenant.ClientId}/faults")));
        var settled = await work.SettleAsync(TimeSpan.FromMinutes(ChaosSize.Full ? 45 : 6));
        await stopSampling.CancelAsync();
        await sampling;
        var verdict = await work.VerifyAsync();
        var final = await Task.WhenAll(cluster.Connections.Select(StatsAsync));
        var failures = verdict.Failures.ToList();

        var utilisation = new List<double>();
        var backlogSeconds = new List<double>();
        for (var c = 0; c < cluster.Connections.Count; c++)
        {
            var times = await work.TimesAsync(cluster.Connections[c]);
            var firstDelivery = times.Min(t => t.DeliveredAt);
            double used = 0, span = 0;
            for (var k = 0; k + 1 < samples.Count; k++)
            {
                var (from, to) = (samples[k].At, samples[k + 1].At);
                if (firstDelivery is null || from < firstDelivery)
                {
                    continue;
                }

                if (times.Count(t => t.DeliveredAt is null || t.DeliveredAt > to) >= 8)
                {
                    used += samples[k + 1].Admitted[c] - samples[k].Admitted[c];
                    span += (to - from).TotalSeconds;
                }
            }

            backlogSeconds.Add(span);
            utilisation.Add(span == 0 ? 0 : used / (span * 10));
        }

        // The limits are judged on what the credentials sent after the outage: during it, SR answered 503 to every call.
        var peakInFlight = final.Max(s => s.PeakConcurrency);
        var peakPerSecond = final.Max(s => s.PeakRequestsPerSecond);
        var throttled = final.Sum(s => s.Throttled);
        var duringOutage = before.Sum(s => s.Requests);
        if (peakInFlight > 8)
        {
            failures.Add($"a credential had {peakInFlight} requests in flight at once (SR allows 8)");
        }

        if (peakPerSecond > 10)
        {
            failures.Add($"a credential sent {peakPerSecond} requests within a second (SR allows 10)");
        }

        if (throttled > 0)
        {
            failures.Add($"{throttled} requests answered 429 ({string.Join(", ", final.Where(s => s.Throttled > 0).Select(s => $"{s.Throttled} on {s.ThrottledWhere}"))})");
        }

        if (backlogSeconds.Min() < 20)
        {
            failures.Add($"a connection had a backlog for only {backlogSeconds.Min():0} s: too short for its utilisation to mean anything");
        }

        var under = utilisation.Count(u => u < 0.85);
        if (under > 0)
        {
            failures.Add($"{under} credentials used less than 85 % of their budget while a backlog existed (lowest {utilisation.Min():P0})");
        }

        var nodesUsed = placement.Values.Where(v => v >= 0).Distinct().Count();
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"{connections} connections × {each} applications queued over 3 nodes during an SR outage (lanes on {nodesUsed} nodes; intake {intake.TotalSeconds:0} s, " +
            $"{duringOutage} requests knocked meanwhile), then SR back: per credential as the sandbox saw it, peak in flight {peakInFlight} (≤ 8), peak per second {peakPerSecond} (≤ 10), " +
            $"{throttled} 429s; utilisation while a backlog existed ({backlogSeconds.Min():0}-{backlogSeconds.Max():0} s each) {utilisation.Min():P0}-{utilisation.Max():P0} (≥ 85 %); " +
            $"{verdict}; all delivered {settled.TotalSeconds:0} s after the recovery");
        Verdicts.Write(output, "rate limits across nodes", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(work.Secrets());
        failures.ShouldBeEmpty(figures);
    }

    private static double Rate(List<DateTimeOffset> delivered, DateTimeOffset from, DateTimeOffset to) =>
        delivered.Count(d => d >= from && d < to) / (to - from).TotalSeconds;

    private static async Task<CredentialStats> StatsAsync(ChaosConnection connection)
    {
        var stats = await connection.Tenant.StatsAsync();
        var where = stats["endpoints"]?.AsObject().Where(e => Long(e.Value!, "throttled") > 0).Select(e => $"{e.Key} ×{Long(e.Value!, "throttled")}") ?? [];
        return new CredentialStats(Long(stats, "requests"), Long(stats, "throttled"), (int)Long(stats, "peakConcurrency"), (int)Long(stats, "peakRequestsPerSecond"),
            string.Join(" ", where));
    }

    private static long Long(JsonNode node, string name) => node[name]?.GetValue<long>() ?? 0;

    private sealed record CredentialStats(long Requests, long Throttled, int PeakConcurrency, int PeakRequestsPerSecond, string ThrottledWhere);
}
