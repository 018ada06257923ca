using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Passerelle.Testing;
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
    private static readonly string[] Terminal = ["Delivered", "NeedsReview", "Failed"];

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
        var platformKey = await cluster.Nodes[0].NewKeyAsync("platform");

        var random = new Random(Seed);
        var submissions = Enumerable.Range(0, ApplicationCount).Select(i =>
        {
            var connection = cluster.Connections[i % cluster.Connections.Count];
            var large = i % 5 == 0;
            var cv = new TestCv(Seed + i, large ? random.Next(5 * 1024 * 1024, 10 * 1024 * 1024) : random.Next(20_000, 300_000), $"chaos-cv-{Guid.NewGuid():N}");
            return new Submission(i, connection, TestApplicant.Random(random, $"chaos-{i:D4}"), cv, connection.Jobs[i % connection.Jobs.Count], $"chaos-{Seed}-{i:D4}");
        }).ToList();

        // The killer: a random node SIGKILLed at random moments, then restarted on its data.
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

        // Submitters spread over the kills, each retrying on another node with the same Idempotency-Key until answered.
        var spacing = expected / ApplicationCount;
        var queue = new ConcurrentQueue<Submission>(submissions);
        var submitters = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var submission))
            {
                var due = spacing * submission.Index - started.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                await SubmitUntilAnsweredAsync(cluster, platformKey, submission, worker);
            }
        })).ToList();
        await Task.WhenAll(submitters.Append(killer));
        var lastKill = started.Elapsed;
        cluster.Log($"submitted {submissions.Count} with {kills.Count} kills: {string.Join(", ", kills.Select(k => $"node{k.Node}@{k.At.TotalSeconds:0}s(down {k.Down.TotalSeconds:0.0}s)"))}");

        var failures = new List<string>();
        var accepted = submissions.Where(s => s.ApplicationId is not null).ToList();
        failures.AddRange(submissions.Where(s => s.ApplicationId is null).Take(5).Select(s => $"#{s.Index} never accepted ({s.Outcome?.Status} {s.Outcome?.Problem})"));

        // Wait for every accepted application to end, bounded.
        var settle = Stopwatch.StartNew();
        var states = new Dictionary<string, string>();
        while (true)
        {
            states = await StatesAsync(cluster, platformKey);
            if (accepted.All(s => states.TryGetValue(s.ApplicationId!, out var state) && Terminal.Contains(state)) || settle.Elapsed > SettleBound)
            {
                break;
            }

            await Task.Delay(2000);
        }

        var settled = settle.Elapsed;
        var platform = cluster.Client(platformKey);
        var details = new ConcurrentDictionary<string, JsonNode>();
        await Parallel.ForEachAsync(accepted, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (s, ct) =>
            details[s.ApplicationId!] = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/applications/{s.ApplicationId}", ct)));

        var delivered = accepted.Count(s => states.GetValueOrDefault(s.ApplicationId!) == "Delivered");
        var review = accepted.Where(s => states.GetValueOrDefault(s.ApplicationId!) == "NeedsReview").ToList();
        var unfinished = accepted.Where(s => states.GetValueOrDefault(s.ApplicationId!) is not ("Delivered" or "NeedsReview")).ToList();
        failures.AddRange(unfinished.Take(10).Select(s => $"application {s.ApplicationId} is {states.GetValueOrDefault(s.ApplicationId!) ?? "missing"} ({details[s.ApplicationId!]["lastError"]?["code"]})"));
        failures.AddRange(accepted.Where(s => Sha(details[s.ApplicationId!]) != s.CvSha256).Take(5).Select(s => $"application {s.ApplicationId} stored a CV with another SHA-256"));

        // SR's side, per company: each delivered applicant once with their CV; duplicates only where a person reviews anyway.
        var duplicatesOutsideReview = 0;
        var duplicatesInReview = 0;
        foreach (var connection in cluster.Connections)
        {
            var candidates = (await connection.Tenant.CandidatesAsync()).Select(c => c!).ToLookup(c => c.Str("email"), StringComparer.OrdinalIgnoreCase);
            foreach (var s in accepted.Where(s => s.Connection == connection))
            {
                var received = candidates[s.Applicant.Email].ToList();
                var inReview = review.Contains(s);
                if (received.Count > 1)
                {
                    _ = inReview ? duplicatesInReview++ : duplicatesOutsideReview++;
                }

                if (states.GetValueOrDefault(s.ApplicationId!) == "Delivered")
                {
                    if (received.Count != 1)
                    {
                        failures.Add($"delivered application {s.ApplicationId} has {received.Count} candidates in SR");
                    }
                    else if (!received[0]["attachments"]!.AsArray().Any(a => a.Str("type") == "RESUME" && a.Str("sha256").Equals(s.CvSha256, StringComparison.OrdinalIgnoreCase)))
                    {
                        failures.Add($"delivered application {s.ApplicationId}'s candidate lacks its CV");
                    }
                }
            }
        }

        if (duplicatesOutsideReview > 0)
        {
            failures.Add($"{duplicatesOutsideReview} duplicate candidates outside review");
        }

        var figures = $"{kills.Count} kills over {lastKill.TotalSeconds:0} s, {accepted.Count}/{submissions.Count} accepted " +
                      $"({submissions.Count(s => s.Attempts > 1)} after a retry), {delivered} delivered, {review.Count} in review, {unfinished.Count} unfinished, " +
                      $"{duplicatesOutsideReview} duplicates outside review ({duplicatesInReview} in review), all terminal {settled.TotalSeconds:0} s after the last kill " +
                      $"(bound {SettleBound.TotalSeconds:0} s), {ConnectionCount} connections, {submissions.Count(s => s.Cv.Length > 5_000_000)} CVs of 5-10 MB";
        Verdicts.Write(output, "kill -9", failures.Count == 0, figures);
        cluster.LogsShouldNotContain(submissions.SelectMany(s => new[] { ($"applicant #{s.Index}'s e-mail", s.Applicant.Email), ($"CV #{s.Index}'s content", s.Cv.Marker) })
            .Concat(cluster.Connections.Select(c => ($"connection {c.Index}'s client secret", c.Tenant.ClientSecret))));
        failures.ShouldBeEmpty(figures);
    }

    private static string? Sha(JsonNode detail) =>
        detail["files"]?.AsArray().SingleOrDefault(f => f?["kind"]?.GetValue<string>() is { } kind && kind.Equals("cv", StringComparison.OrdinalIgnoreCase))?["sha256"]?.GetValue<string>().ToLowerInvariant();

    /// <summary>Every application's state, from whichever node answers.</summary>
    private static async Task<Dictionary<string, string>> StatesAsync(ChaosCluster cluster, string key)
    {
        var states = new Dictionary<string, string>();
        foreach (var connection in cluster.Connections)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    foreach (var item in await Intake.ListAsync(cluster.Client(key, attempt), connection.Id))
                    {
                        states[item.Str("id")] = item.Str("state");
                    }

                    break;
                }
                catch (Exception e) when (attempt < 5 && e is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(1000);
                }
            }
        }

        return states;
    }

    private static async Task SubmitUntilAnsweredAsync(ChaosCluster cluster, string key, Submission submission, int worker)
    {
        var bytes = submission.Cv.Bytes();
        submission.CvSha256 = TestCv.Sha256(bytes);
        var giveUp = Stopwatch.StartNew();
        while (true)
        {
            submission.Attempts++;
            var outcome = await Intake.SubmitAsync(cluster.Client(key, worker + submission.Attempts), submission.Connection.Id, submission.JobId, submission.Applicant, bytes, submission.IdempotencyKey);
            submission.Outcome = outcome;
            if (outcome.Result != SubmitResult.Unavailable || giveUp.Elapsed > TimeSpan.FromMinutes(3))
            {
                submission.ApplicationId = outcome.ApplicationId;
                return;
            }

            await Task.Delay(250);
        }
    }

    private sealed class Submission(int index, ChaosConnection connection, TestApplicant applicant, TestCv cv, string jobId, string idempotencyKey)
    {
        public int Index { get; } = index;
        public ChaosConnection Connection { get; } = connection;
        public TestApplicant Applicant { get; } = applicant;
        public TestCv Cv { get; } = cv;
        public string JobId { get; } = jobId;
        public string IdempotencyKey { get; } = idempotencyKey;
        public string CvSha256 { get; set; } = "";
        public int Attempts { get; set; }
        public SubmitOutcome? Outcome { get; set; }
        public string? ApplicationId { get; set; }
    }
}
