using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Passerelle.Testing;
using Xunit.Abstractions;

namespace Passerelle.Server.Tests;

/// <summary>Runs alone, after the parallel tests: it starts two processes and keeps two cores busy for minutes.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// The promise "no applicant lost, none duplicated", tested the hard way: the sandbox and the server as real
/// processes on real sockets, 500 applications submitted while the server is SIGKILLed ten times at random moments.
/// Filter with <c>--filter Category=Crash</c> (or <c>Category!=Crash</c> to leave it out).
/// </summary>
[Collection(nameof(RunsAlone))]
[Trait("Category", "Crash")]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Seed = 20261130;
    private const int ApplicationCount = 500;
    private const int KillCount = 10;
    private const int Submitters = 8;
    private const int LargeCv = 5 * 1024 * 1024;

    // Submissions are spread over about the time the ten kills take, so that kills land while applications arrive
    // and while the lane delivers them.
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(170);
    // test.sh stops any test after 5 minutes (--blame-hang-timeout) with a dump and no message: the wait for delivery
    // ends by 4.5 minutes from the start, so that a stall fails here, with the states it stalled in.
    private static readonly TimeSpan DeliveryBound = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan TestBound = TimeSpan.FromMinutes(4.5);
    private static readonly string[] Terminal = ["Delivered", "NeedsReview", "Failed"];

    [Fact]
    public async Task Applications_submitted_while_the_server_is_killed_ten_times_are_each_delivered_once_with_their_cv_or_parked_for_review()
    {
        var clock = Stopwatch.StartNew();
        await using var sandbox = await SandboxProcess.StartAsync("--seed", "demo", "--random-seed", "7", "--latency-ms", "50", "--jitter-ms", "25");
        var demo = await SandboxFactory.ReadAsync(await sandbox.Http().GetAsync("/_sandbox/demo"));
        var company = demo.Str("identifier");
        var clientSecret = demo["credential"].Str("clientSecret");

        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "crash" });
        var admin = server.Admin();
        var connection = await (await admin.PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = "Crash", customerName = "Maison Azur SAS", companyIdentifier = company,
            clientId = demo["credential"].Str("clientId"), clientSecret, baseUrl = sandbox.BaseAddress.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        connection.Str("status").ShouldBe("Active");
        var connectionId = connection.Str("id");
        var platformKey = await server.NewKeyAsync("platform");
        var platform = server.Http(platformKey);
        platform.Timeout = TimeSpan.FromSeconds(60);
        var jobs = await OpenJobsAsync(platform, connectionId);

        // Every applicant unique: their names, e-mail, CV bytes (a seed each) and the SHA-256 to find them by in SR.
        var random = new Random(Seed);
        var applications = Enumerable.Range(0, ApplicationCount).Select(i =>
        {
            var cv = new TestCv(Seed + i, i % 10 == 0 ? LargeCv : random.Next(20_000, 300_000), $"crash-cv-{Guid.NewGuid():N}");
            return new Submission(i, TestApplicant.Random(random, $"crash-{i:D3}"), cv, jobs[i % jobs.Count], $"crash-{Seed}-{i:D3}");
        }).ToList();

        // The killer: ten SIGKILLs at random moments 2 to 8 s apart, each followed by a restart on the same data.
        var kills = new List<(TimeSpan At, TimeSpan Down)>();
        var submissionClock = Stopwatch.StartNew();
        var killer = Task.Run(async () =>
        {
            var moments = new Random(Seed + 1);
            for (var k = 0; k < KillCount; k++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(moments.Next(2_000, 8_001)));
                var at = submissionClock.Elapsed;
                server.Kill();
                await server.RestartAsync();
                kills.Add((at, submissionClock.Elapsed - at));
            }
        });

        // The submitters: a failure because the server is down is sent again with the same Idempotency-Key until accepted.
        var queue = new ConcurrentQueue<Submission>(applications);
        var submitters = Enumerable.Range(0, Submitters).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var submission))
            {
                var due = Spacing * submission.Index - submissionClock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                await SubmitUntilAnsweredAsync(platform, connectionId, submission);
            }
        })).ToList();
        await Task.WhenAll(submitters.Append(killer));
        var submitted = submissionClock.Elapsed;
        output.WriteLine($"Submitted in {submitted.TotalSeconds:0} s; kills at {string.Join(", ", kills.Select(k => $"{k.At.TotalSeconds:0.0} s (down {k.Down.TotalSeconds:0.0} s)"))}.");

        var rejected = applications.Where(a => a.Outcome?.Result != SubmitResult.Accepted).ToList();
        rejected.ShouldBeEmpty($"Every application is accepted in the end; not these: {string.Join("; ", rejected.Take(10).Select(a => $"#{a.Index} {a.Outcome?.Status} {a.Outcome?.Problem}"))}");
        var byId = applications.ToDictionary(a => a.ApplicationId!);
        byId.Count.ShouldBe(ApplicationCount, "Each Idempotency-Key gave its own application.");

        // Delivery, bounded: every accepted application ends Delivered, NeedsReview (or Failed, which fails below).
        var drain = Stopwatch.StartNew();
        Dictionary<string, string> states = [];
        var repeated = 0;
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            server.ProcessId.ShouldNotBeNull($"The server exited by itself; see {server.LogPath}.");
            var listed = await Intake.ListAsync(platform, connectionId);
            repeated = listed.Count - listed.Select(i => i.Str("id")).Distinct().Count();
            states = listed.GroupBy(i => i.Str("id")).ToDictionary(g => g.Key, g => g.Last().Str("state"));
            if (byId.Keys.All(id => states.TryGetValue(id, out var s) && Terminal.Contains(s)) || drain.Elapsed > DeliveryBound || clock.Elapsed > TestBound)
            {
                break;
            }

            if (drain.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = drain.Elapsed;
                output.WriteLine($"  after {drain.Elapsed.TotalSeconds:0} s: {string.Join(", ", states.Values.GroupBy(s => s).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        // What Passerelle says, then what SR received.
        var details = new ConcurrentDictionary<string, JsonNode>();
        await Parallel.ForEachAsync(byId.Keys, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, ct) =>
            details[id] = await (await platform.GetAsync($"/api/v1/applications/{id}", ct)).ShouldBeJsonAsync(HttpStatusCode.OK));
        var candidates = (await SandboxFactory.ReadAsync(await sandbox.Http().GetAsync($"/_sandbox/candidates?company={company}"))).AsArray().Select(c => c!).ToList();
        var candidatesByEmail = candidates.ToLookup(c => c.Str("email"), StringComparer.OrdinalIgnoreCase);

        var delivered = byId.Where(a => states.GetValueOrDefault(a.Key) == "Delivered").Select(a => a.Value).ToList();
        var inReview = byId.Where(a => states.GetValueOrDefault(a.Key) == "NeedsReview").Select(a => a.Value).ToList();
        var reviewEmails = inReview.Select(a => a.Applicant.Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var duplicates = candidatesByEmail.Where(g => g.Count() > 1).ToList();
        var doubleCvs = delivered.Count(a => candidatesByEmail[a.Applicant.Email].Sum(c => Resumes(c, a.CvSha256)) > 1);
        var retried = applications.Count(a => a.Attempts > 1);
        var replayed = applications.Count(a => a.Outcome?.Replayed == true);
        var reviewInSr = inReview.Count(a => candidatesByEmail[a.Applicant.Email].Any());
        var reviewCodes = string.Join(", ", inReview.GroupBy(a => details[a.ApplicationId!]["lastError"]?["code"]?.GetValue<string>() ?? "no code")
            .Select(g => $"{g.Key} {g.Count()}"));
        output.WriteLine($"Crash test: {kills.Count} kills, {byId.Count} accepted ({retried} after a retry, {replayed} of them replayed: stored before the kill), {delivered.Count} delivered, {inReview.Count} in review ({reviewCodes}; {reviewInSr} of them in SR), " +
            $"{duplicates.Count} duplicate candidates ({duplicates.Count(g => !reviewEmails.Contains(g.Key))} outside review), {doubleCvs} CVs attached twice, " +
            $"elapsed {clock.Elapsed.TotalSeconds:0} s (submission {submitted.TotalSeconds:0} s, delivery wait {drain.Elapsed.TotalSeconds:0} s). Server log: {server.LogPath}");

        // Nothing lost, nothing extra: the applications listed are exactly those accepted, each ended.
        repeated.ShouldBe(0, "The list's pages never repeat an application.");
        states.Keys.ToHashSet().SetEquals(byId.Keys).ShouldBeTrue($"The list holds {states.Count} applications for {byId.Count} accepted.");
        var unfinished = byId.Keys.Where(id => states.GetValueOrDefault(id) is not ("Delivered" or "NeedsReview")).ToList();
        unfinished.ShouldBeEmpty($"Every application is Delivered or NeedsReview {drain.Elapsed.TotalSeconds:0} s after the last submission; not: " +
            string.Join("; ", unfinished.Take(10).Select(id => $"{id} {states.GetValueOrDefault(id) ?? "missing"} {details[id]["lastError"]?["code"]}")));

        // What was stored is what was sent.
        foreach (var (id, submission) in byId)
        {
            var cv = details[id]["files"]!.AsArray().SingleOrDefault(f => f?["kind"]?.GetValue<string>() is { } kind && kind.Equals("cv", StringComparison.OrdinalIgnoreCase));
            cv.ShouldNotBeNull($"Application {id} lists its CV.");
            cv.Str("sha256").ToLowerInvariant().ShouldBe(submission.CvSha256, $"Application {id} stored the CV it was sent.");
        }

        // SR: no duplicate candidate except where a person has to look anyway, and each delivered applicant once, with their CV.
        // (Applications named by id, candidates by SR id: the messages carry no e-mail.)
        var byEmail = applications.ToDictionary(a => a.Applicant.Email, StringComparer.OrdinalIgnoreCase);
        duplicates.Where(g => !reviewEmails.Contains(g.Key)).Select(g => $"application {byEmail.GetValueOrDefault(g.Key)?.ApplicationId}: {g.Count()} candidates")
            .ShouldBeEmpty("Duplicate candidates in SR outside review");
        candidates.Where(c => !byEmail.ContainsKey(c.Str("email"))).Select(c => c.Str("id")).ShouldBeEmpty("SR received candidates nobody applied as");
        foreach (var submission in delivered)
        {
            var received = candidatesByEmail[submission.Applicant.Email].ToList();
            received.Count.ShouldBe(1, $"Delivered application {submission.ApplicationId} has one candidate in SR.");
            Resumes(received[0], submission.CvSha256).ShouldBeGreaterThanOrEqualTo(1, $"Delivered application {submission.ApplicationId}'s candidate has its CV as RESUME.");
            (details[submission.ApplicationId!]["srCandidateId"]?.GetValue<string>()).ShouldBe(received[0].Str("id"));
        }

        foreach (var submission in inReview)
        {
            (details[submission.ApplicationId!]["lastError"]?["code"]?.GetValue<string>()).ShouldNotBeNullOrWhiteSpace($"Application {submission.ApplicationId} in review says why.");
        }

        // The log: no key, secret, name, e-mail or CV content, across eleven starts.
        server.LogShouldNotContain(
            [("the SR client secret", clientSecret), ("the platform key", platformKey),
             .. applications.SelectMany(a => new[] { ($"applicant #{a.Index}'s e-mail", a.Applicant.Email), ($"applicant #{a.Index}'s first name", a.Applicant.FirstName),
                 ($"applicant #{a.Index}'s last name", a.Applicant.LastName), ($"CV #{a.Index}'s content", a.Cv.Marker) })]);
    }

    /// <summary>Sends one application until the server answers, always with the same Idempotency-Key.</summary>
    private static async Task SubmitUntilAnsweredAsync(HttpClient platform, string connectionId, Submission submission)
    {
        var bytes = submission.Cv.Bytes();
        submission.CvSha256 = TestCv.Sha256(bytes);
        var giveUp = Stopwatch.StartNew();
        while (true)
        {
            submission.Attempts++;
            var outcome = await Intake.SubmitAsync(platform, connectionId, submission.JobId, submission.Applicant, bytes, submission.IdempotencyKey);
            submission.Outcome = outcome;
            if (outcome.Result != SubmitResult.Unavailable || giveUp.Elapsed > TimeSpan.FromMinutes(3))
            {
                submission.ApplicationId = outcome.ApplicationId;
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>A few open jobs of the demo company, once the connection's first sync has brought them.</summary>
    private static async Task<List<string>> OpenJobsAsync(HttpClient platform, string connectionId)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var page = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{connectionId}/jobs?open=true&status=SOURCING&limit=5"));
            var ids = page["items"]?.AsArray().Select(j => j.Str("id")).ToList() ?? [];
            if (ids.Count > 0)
            {
                return ids;
            }

            waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "The connection's first sync brings its jobs.");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private static int Resumes(JsonNode candidate, string sha256) =>
        candidate["attachments"]!.AsArray().Count(a => a.Str("type") == "RESUME" && a.Str("sha256").Equals(sha256, StringComparison.OrdinalIgnoreCase));

    private sealed class Submission(int index, TestApplicant applicant, TestCv cv, string jobId, string idempotencyKey)
    {
        public int Index { get; } = index;
        public TestApplicant Applicant { get; } = applicant;
        public TestCv Cv { get; } = cv;
        public string JobId { get; } = jobId;
        public string IdempotencyKey { get; } = idempotencyKey;
        public string CvSha256 { get; set; } = "";
        public int Attempts { get; set; }
        public SubmitOutcome? Outcome { get; set; }
        public string? ApplicationId { get; set; }

        public override string ToString() => $"Submission #{Index}";
    }
}
