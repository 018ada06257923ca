using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Passerelle.Testing;

namespace Passerelle.Chaos;

/// <summary>
/// Applications pushed through the API of whichever node answers, as Hippolyte-rh does: a failure because a node is
/// down is sent again, to another node, with the same Idempotency-Key until some node answers. Then the checks every
/// scenario shares: nothing lost, nothing duplicated, every CV as sent.
/// </summary>
internal sealed class Workload(ChaosCluster cluster, string key, int seed)
{
    private static readonly string[] Terminal = ["Delivered", "NeedsReview", "Failed"];

    public List<Submission> Submissions { get; } = [];

    /// <summary>Makes <paramref name="count"/> applicants spread over the cluster's connections; one in <paramref name="largeEvery"/> with a 5–10 MB CV.</summary>
    public List<Submission> Plan(int count, int largeEvery = 5, IReadOnlyList<ChaosConnection>? connections = null)
    {
        connections ??= cluster.Connections;
        var random = new Random(seed + Submissions.Count);
        var planned = Enumerable.Range(Submissions.Count, count).Select(i =>
        {
            var connection = connections[i % connections.Count];
            var large = largeEvery > 0 && i % largeEvery == 0;
            var cv = new TestCv(seed + i, large ? random.Next(5 * 1024 * 1024, 10 * 1024 * 1024) : random.Next(20_000, 300_000), $"chaos-cv-{Guid.NewGuid():N}");
            return new Submission(i, connection, TestApplicant.Random(random, $"chaos-{seed}-{i:D5}"), cv, connection.Jobs[i % connection.Jobs.Count], $"chaos-{seed}-{i:D5}");
        }).ToList();
        Submissions.AddRange(planned);
        return planned;
    }

    /// <summary>Submits <paramref name="planned"/> spread evenly over <paramref name="over"/>, with 8 submitters.</summary>
    public async Task SubmitAsync(IReadOnlyList<Submission> planned, TimeSpan over, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var spacing = planned.Count == 0 ? TimeSpan.Zero : over / planned.Count;
        var queue = new ConcurrentQueue<(int Order, Submission Submission)>(planned.Select((s, i) => (i, s)));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var next))
            {
                var due = spacing * next.Order - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                await SubmitUntilAnsweredAsync(next.Submission, worker);
            }
        }, cancellationToken)));
    }

    private async Task SubmitUntilAnsweredAsync(Submission submission, int worker)
    {
        var bytes = submission.Cv.Bytes();
        submission.CvSha256 = TestCv.Sha256(bytes);
        var giveUp = Stopwatch.StartNew();
        while (true)
        {
            submission.Attempts++;
            var outcome = await Intake.SubmitAsync(cluster.Client(key, worker + submission.Attempts), submission.Connection.Id, submission.JobId, submission.Applicant, bytes, submission.IdempotencyKey);
            submission.Outcomes.Add(outcome);
            if (outcome.Result != SubmitResult.Unavailable || giveUp.Elapsed > TimeSpan.FromMinutes(3))
            {
                submission.ApplicationId = outcome.ApplicationId;
                return;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Every application's state, from whichever node answers.</summary>
    public async Task<Dictionary<string, string>> StatesAsync(IEnumerable<ChaosConnection>? connections = null)
    {
        var states = new Dictionary<string, string>();
        foreach (var connection in connections ?? cluster.Connections)
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
                catch (Exception e) when (attempt < 10 && e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    await Task.Delay(1000);
                }
            }
        }

        return states;
    }

    /// <summary>Each application of <paramref name="connection"/>: when it was accepted and, once delivered, when it was.</summary>
    public async Task<List<(string Id, string State, DateTimeOffset AcceptedAt, DateTimeOffset? DeliveredAt)>> TimesAsync(ChaosConnection connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return [.. (await Intake.ListAsync(cluster.Client(key, attempt), connection.Id)).Select(i =>
                    (i.Str("id"), i.Str("state"), i["acceptedAt"]!.GetValue<DateTimeOffset>(), i["deliveredAt"]?.GetValue<DateTimeOffset>()))];
            }
            catch (Exception e) when (attempt < 10 && e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                await Task.Delay(1000);
            }
        }
    }

    /// <summary>Waits until every accepted application of <paramref name="subset"/> (default all) ended, or <paramref name="bound"/>; how long it took.</summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan bound, IReadOnlyCollection<Submission>? subset = null)
    {
        var clock = Stopwatch.StartNew();
        var wanted = (subset ?? Submissions).Where(s => s.ApplicationId is not null).ToList();
        var connections = wanted.Select(s => s.Connection).Distinct().ToList();
        while (true)
        {
            var states = await StatesAsync(connections);
            if (wanted.All(s => states.TryGetValue(s.ApplicationId!, out var state) && Terminal.Contains(state)) || clock.Elapsed > bound)
            {
                return clock.Elapsed;
            }

            await Task.Delay(1000);
        }
    }

    /// <summary>
    /// The promise, checked on both sides: every submission accepted, each Delivered or NeedsReview, its CV stored as
    /// sent; in SR each delivered applicant exactly once with that CV, and duplicates only among those in review.
    /// </summary>
    public async Task<Verification> VerifyAsync()
    {
        var failures = new List<string>();
        failures.AddRange(Submissions.Where(s => s.ApplicationId is null).Take(5).Select(s => $"#{s.Index} never accepted ({s.Outcomes.LastOrDefault()?.Status} {s.Outcomes.LastOrDefault()?.Problem})"));
        var accepted = Submissions.Where(s => s.ApplicationId is not null).ToList();
        var states = await StatesAsync(accepted.Select(s => s.Connection).Distinct());
        var platform = cluster.Client(key);
        var details = new ConcurrentDictionary<string, JsonNode>();
        await Parallel.ForEachAsync(accepted, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (s, ct) =>
            details[s.ApplicationId!] = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/applications/{s.ApplicationId}", ct)));

        string State(Submission s) => states.GetValueOrDefault(s.ApplicationId!) ?? "missing";
        var review = accepted.Where(s => State(s) == "NeedsReview").ToHashSet();
        var unfinished = accepted.Where(s => State(s) is not ("Delivered" or "NeedsReview")).ToList();
        failures.AddRange(unfinished.Take(10).Select(s => $"application {s.ApplicationId} is {State(s)} ({details[s.ApplicationId!]["lastError"]?["code"]})"));
        failures.AddRange(accepted.Where(s => Sha(details[s.ApplicationId!]) != s.CvSha256).Take(5).Select(s => $"application {s.ApplicationId} stored a CV with another SHA-256"));

        var outsideReview = 0;
        var inReview = 0;
        foreach (var connection in accepted.Select(s => s.Connection).Distinct())
        {
            var candidates = (await connection.Tenant.CandidatesAsync()).Select(c => c!).ToLookup(c => c.Str("email"), StringComparer.OrdinalIgnoreCase);
            foreach (var s in accepted.Where(s => s.Connection == connection))
            {
                var received = candidates[s.Applicant.Email].ToList();
                if (received.Count > 1)
                {
                    _ = review.Contains(s) ? inReview++ : outsideReview++;
                }

                if (State(s) != "Delivered")
                {
                    continue;
                }

                if (received.Count != 1)
                {
                    failures.Add($"delivered application {s.ApplicationId} has {received.Count} candidates in SR");
                }
                else if (!received[0]["attachments"]!.AsArray().Any(a => a.Str("type") == "RESUME" && a.Str("sha256").Equals(s.CvSha256, StringComparison.OrdinalIgnoreCase)))
                {
                    failures.Add($"delivered application {s.ApplicationId}'s candidate lacks its CV");
                }
                else if (details[s.ApplicationId!]["srCandidateId"]?.GetValue<string>() != received[0].Str("id"))
                {
                    failures.Add($"delivered application {s.ApplicationId} names another candidate than the one SR holds");
                }
            }
        }

        if (outsideReview > 0)
        {
            failures.Add($"{outsideReview} duplicate candidates outside review");
        }

        return new Verification(failures, Submissions.Count, accepted.Count, accepted.Count(s => State(s) == "Delivered"), review.Count, unfinished.Count, outsideReview, inReview,
            Submissions.Count(s => s.Attempts > 1));
    }

    /// <summary>The applicants' e-mails and CV markers, and every connection's client secret: what no log may hold.</summary>
    public IEnumerable<(string Label, string Value)> Secrets() =>
        Submissions.SelectMany(s => new[] { ($"applicant #{s.Index}'s e-mail", s.Applicant.Email), ($"applicant #{s.Index}'s last name", s.Applicant.LastName), ($"CV #{s.Index}'s content", s.Cv.Marker) })
            .Concat(cluster.Connections.Select(c => ($"connection {c.Index}'s client secret", c.Tenant.ClientSecret)));

    private static string? Sha(JsonNode detail) =>
        detail["files"]?.AsArray().SingleOrDefault(f => f?["kind"]?.GetValue<string>() is { } kind && kind.Equals("cv", StringComparison.OrdinalIgnoreCase))?["sha256"]?.GetValue<string>().ToLowerInvariant();
}

internal sealed record Verification(IReadOnlyList<string> Failures, int Submitted, int Accepted, int Delivered, int InReview, int Unfinished, int DuplicatesOutsideReview, int DuplicatesInReview, int Retried)
{
    public bool Passed => Failures.Count == 0;

    public override string ToString() =>
        $"{Accepted}/{Submitted} accepted ({Retried} after a retry), {Delivered} delivered, {InReview} in review, {Unfinished} unfinished, " +
        $"{DuplicatesOutsideReview} duplicates outside review ({DuplicatesInReview} in review)";
}

internal sealed class Submission(int index, ChaosConnection connection, TestApplicant applicant, TestCv cv, string jobId, string idempotencyKey)
{
    public int Index { get; } = index;
    public ChaosConnection Connection { get; } = connection;
    public TestApplicant Applicant { get; } = applicant;
    public TestCv Cv { get; } = cv;
    public string JobId { get; } = jobId;
    public string IdempotencyKey { get; } = idempotencyKey;
    public string CvSha256 { get; set; } = "";
    public int Attempts { get; set; }
    public List<SubmitOutcome> Outcomes { get; } = [];
    public string? ApplicationId { get; set; }
}
