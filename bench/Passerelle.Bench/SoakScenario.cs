using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Passerelle.Testing;

namespace Passerelle.Bench;

/// <summary>What the soak runs: how long, how many connections, how fast, on which database.</summary>
internal sealed record SoakOptions(int Minutes, int Connections, double PerConnectionPerMinute, string? Postgres);

/// <summary>One minute's sample of the server process, its database and the applications so far.</summary>
internal sealed record SoakSample(
    int Minute, bool Draining, double RssMb, double PeakRssMb, int Threads, int FileDescriptors, int Sockets, int TcpEstablished, int? DbConnections,
    int Submitted, int Accepted, int Delivered, int Pending, int NeedsReview, int Failed, int DeliveredThisMinute, double P95Seconds);

/// <summary>The soak's outcome: every sample, the end figures and the verdict's three checks.</summary>
internal sealed record SoakResult(
    SoakOptions Options, string Database, List<SoakSample> Samples, Dictionary<string, double> Figures, bool NothingLost, bool MemoryFlat, bool ConnectionsBounded,
    string MemoryCheck, string ConnectionCheck, IReadOnlyList<string> Notes)
{
    public bool Passed => NothingLost && MemoryFlat && ConnectionsBounded;
}

/// <summary>
/// The soak (issue 9): the server out of process with scheduled job sync on, N connections onboarded, applications
/// submitted at a steady rate for an hour while the server's memory, threads, descriptors, sockets and database
/// connections are sampled every minute; at the end every application must have reached SR (or be in review).
/// </summary>
internal static class SoakScenario
{
    /// <summary>Every tenth credential answers 2 % of its requests with 503 (job sync and delivery alike), so retries happen all along.</summary>
    private const double FaultRate = 0.02;

    private const int FaultEvery = 10;
    private const int JobsPerConnection = 4;

    /// <summary>One CV in a hundred is 5–10 MB (under the server's 10 MiB limit); the others 50–500 KB.</summary>
    private const double LargeCvShare = 0.01;

    private const int SubmitAttempts = 5;
    private static readonly TimeSpan DrainBound = TimeSpan.FromMinutes(15);
    private static readonly string[] Terminal = ["Delivered", "NeedsReview", "Failed"];

    public static async Task<SoakResult> RunAsync(BenchContext bench, SoakOptions options)
    {
        var notes = new List<string>();
        var prefix = "Soak" + Guid.NewGuid().ToString("N")[..4];
        var companies = Enumerable.Range(0, options.Connections).Select(i => $"{prefix}{i:D3}").ToList();
        await JobSyncScenarios.SeedAsync(bench, [.. companies.Select(c => (c, JobsPerConnection))]);
        await using var database = await BenchDatabase.CreateAsync(options.Postgres);

        // Default settings: scheduled job sync stays on at its 5-minute interval, so syncs run alongside delivery.
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "bench-soak", PostgresConnectionString = database.ConnectionString });
        var pid = server.ProcessId ?? throw new InvalidOperationException("The server has no process id after its start.");
        var platform = server.Http(await server.NewKeyAsync("platform"));
        Console.WriteLine($"Server pid {pid} on {(options.Postgres is null ? "SQLite" : "PostgreSQL")}; onboarding {options.Connections} connections…");

        var ids = new List<string>();
        foreach (var company in companies)
        {
            ids.Add(await ApplicationScenarios.ConnectAsync(server, bench, company));
        }

        var jobs = new List<List<string>>();
        foreach (var id in ids)
        {
            jobs.Add(await ApplicationScenarios.OpenJobsAsync(platform, id));
        }

        // Faults only once onboarded: a 503 on the probe would leave a connection NeedsAttention before the soak starts.
        var sandbox = bench.Sandbox.Http();
        var faulty = companies.Where((_, i) => i % FaultEvery == FaultEvery / 2).ToList();
        foreach (var company in faulty)
        {
            (await sandbox.PutAsJsonAsync($"/_sandbox/credentials/{company}/faults", new { error503Rate = FaultRate })).EnsureSuccessStatusCode();
        }

        var before = await SandboxTotalsAsync(bench, companies);
        var plan = Plan(options, jobs);
        Console.WriteLine($"{plan.Count:N0} applications planned over {options.Minutes} min ({options.Connections} × {options.PerConnectionPerMinute:0.##}/min); " +
            $"{faulty.Count} credential(s) with {FaultRate:P0} 503s; {plan.Count(p => p.CvBytes >= 5_000_000)} CV(s) of 5–10 MB.");

        var tracker = new Tracker(ids.Count);
        await using var probe = new ProcessProbe(pid, options.Postgres, database.Name);
        var samples = new List<SoakSample>();
        var clock = Stopwatch.StartNew();
        var soakStart = TimeProvider.System.GetUtcNow();
        Console.WriteLine("minute | RSS MB | peak MB | threads | fds | sockets | tcp est. | db conns | submitted | accepted | delivered | pending | review | failed | p95 s");
        samples.Add(await SampleAsync(0, draining: false));

        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            for (var minute = 1; ; minute++)
            {
                var due = TimeSpan.FromMinutes(minute) - clock.Elapsed;
                try
                {
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                samples.Add(await SampleAsync(minute, draining: minute > options.Minutes));
                if (minute <= options.Minutes && minute % 5 == 3)
                {
                    // One job title changes every five minutes, so the scheduled incremental syncs carry some work.
                    var company = companies[minute % companies.Count];
                    var job = jobs[minute % jobs.Count][0];
                    var patched = await sandbox.PatchAsJsonAsync($"/_sandbox/jobs/{job}", new { title = $"Poste changé {minute}" });
                    if (!patched.IsSuccessStatusCode)
                    {
                        notes.Add($"PATCH of a job of {company} answered {(int)patched.StatusCode} at minute {minute}.");
                    }
                }
            }
        });

        var submissions = new List<Task>();
        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var planned in plan)
        {
            var wait = planned.At - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            submissions.Add(SubmitAsync(platform, ids, planned, run, tracker));
        }

        await Task.WhenAll(submissions);
        Console.WriteLine($"All {plan.Count:N0} submissions answered after {clock.Elapsed.TotalMinutes:0.0} min; draining (at most {DrainBound.TotalMinutes:0} min)…");
        var drainDeadline = clock.Elapsed + DrainBound;
        // The minute's samples see the stragglers end; the drain lasts until one sees none left.
        while (clock.Elapsed < drainDeadline && tracker.Open > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        await stop.CancelAsync();
        await sampler;
        var finalSample = await SampleAsync(samples[^1].Minute + 1, draining: true, print: false);

        // The end: every application of every connection, to compare with what the bench was told was accepted.
        var found = new Dictionary<string, string>();
        for (var c = 0; c < ids.Count; c++)
        {
            foreach (var item in await ListSinceAsync(platform, ids[c], null))
            {
                found[item.Str("id")] = item.Str("state");
            }
        }

        var accepted = tracker.AcceptedIds();
        var lost = accepted.Count(a => !found.ContainsKey(a));
        var states = accepted.Where(found.ContainsKey).GroupBy(a => found[a]).ToDictionary(g => g.Key, g => g.Count());
        var delivered = states.GetValueOrDefault("Delivered");
        var review = states.GetValueOrDefault("NeedsReview");
        var failed = states.GetValueOrDefault("Failed");
        var notEnded = accepted.Count - lost - Terminal.Sum(t => states.GetValueOrDefault(t));
        var after = await SandboxTotalsAsync(bench, companies);
        var syncs = await SyncRunsAsync(server, ids, soakStart);
        var latencies = tracker.Latencies();

        var soak = samples.Where(s => !s.Draining && s.Minute > 0).ToList();
        var (memoryFlat, memoryCheck) = MemoryTrend(soak);
        var (bounded, connectionCheck) = ConnectionsBounded(soak, options.Postgres is not null);
        var nothingLost = lost == 0 && failed == 0 && notEnded == 0 && tracker.Refused == 0 && accepted.Count == plan.Count;
        if (tracker.FirstRefusal is { } refusal)
        {
            notes.Add($"First refusal: {refusal}.");
        }

        var figures = new Dictionary<string, double>
        {
            ["connections"] = options.Connections,
            ["minutes of load"] = options.Minutes,
            ["applications submitted"] = plan.Count,
            ["accepted (202)"] = accepted.Count,
            ["refused after retries"] = tracker.Refused,
            ["intake retries (429/503/no answer)"] = tracker.Retries,
            ["delivered"] = delivered,
            ["needs review"] = review,
            ["failed"] = failed,
            ["not ended within the drain bound"] = notEnded,
            ["lost (accepted, unknown to the server)"] = lost,
            ["accepted → delivered p50 (s)"] = Percentile(latencies, 50),
            ["accepted → delivered p95 (s)"] = Percentile(latencies, 95),
            ["accepted → delivered p99 (s)"] = Percentile(latencies, 99),
            ["accepted → delivered max (s)"] = latencies.Count == 0 ? double.NaN : latencies.Max(),
            ["RSS at minute 1 (MB)"] = soak.FirstOrDefault()?.RssMb ?? double.NaN,
            ["RSS at the end of the load (MB)"] = soak.LastOrDefault()?.RssMb ?? double.NaN,
            ["RSS after the drain (MB)"] = finalSample.RssMb,
            ["peak RSS (VmHWM, MB)"] = finalSample.PeakRssMb,
            ["threads, max"] = samples.Max(s => s.Threads),
            ["file descriptors, max"] = samples.Max(s => s.FileDescriptors),
            ["sockets, max"] = samples.Max(s => s.Sockets),
            ["TCP established, max"] = samples.Max(s => s.TcpEstablished),
            ["SR requests"] = after.Requests - before.Requests,
            ["SR 503s injected"] = after.Injected503 - before.Injected503,
            ["SR 429s"] = after.Throttled - before.Throttled,
            ["scheduled job syncs run"] = syncs.Runs,
            ["job syncs not complete"] = syncs.Incomplete,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        };
        if (options.Postgres is not null)
        {
            figures["PostgreSQL connections, max"] = samples.Max(s => s.DbConnections ?? 0);
        }

        return new SoakResult(options, options.Postgres is null ? "SQLite" : "PostgreSQL", samples, figures, nothingLost, memoryFlat, bounded, memoryCheck, connectionCheck, notes);

        async Task<SoakSample> SampleAsync(int minute, bool draining, bool print = true)
        {
            var deliveredNow = new List<double>();
            try
            {
                await RefreshAsync(platform, ids, tracker, deliveredNow.Add);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                notes.Add($"Minute {minute}: the application list failed ({e.GetType().Name}); counts carried over.");
            }

            var process = probe.Read();
            var db = await probe.DatabaseConnectionsAsync();
            var counts = tracker.Counts();
            var sample = new SoakSample(minute, draining, process.RssMb, process.PeakRssMb, process.Threads, process.FileDescriptors, process.Sockets, process.TcpEstablished, db,
                tracker.Submitted, counts.Accepted, counts.Delivered, counts.Accepted - counts.Delivered - counts.NeedsReview - counts.Failed, counts.NeedsReview, counts.Failed,
                deliveredNow.Count, Percentile(deliveredNow, 95));
            if (print)
            {
                Console.WriteLine(string.Join(" | ", [
                    $"{minute,3}{(draining ? " (drain)" : "")}", Fmt(sample.RssMb), Fmt(sample.PeakRssMb), $"{sample.Threads}", $"{sample.FileDescriptors}", $"{sample.Sockets}",
                    $"{sample.TcpEstablished}", sample.DbConnections?.ToString(CultureInfo.InvariantCulture) ?? "–", $"{sample.Submitted}", $"{sample.Accepted}", $"{sample.Delivered}",
                    $"{sample.Pending}", $"{sample.NeedsReview}", $"{sample.Failed}", Fmt(sample.P95Seconds)]));
            }

            return sample;
        }
    }

    internal static string Fmt(double value) => double.IsNaN(value) ? "–" : value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);

    private sealed record Planned(int Index, int Connection, string JobId, TimeSpan At, int CvBytes);

    /// <summary>
    /// Each connection gets its share spread evenly over the run with a random offset inside each interval, so the
    /// whole is a steady stream without the lock-step of a fixed tick.
    /// </summary>
    private static List<Planned> Plan(SoakOptions options, List<List<string>> jobs)
    {
        var random = new Random(2026);
        var interval = TimeSpan.FromMinutes(1 / options.PerConnectionPerMinute);
        var perConnection = (int)Math.Round(options.Minutes * options.PerConnectionPerMinute);
        var planned = new List<(int Connection, TimeSpan At)>();
        for (var c = 0; c < options.Connections; c++)
        {
            for (var j = 0; j < perConnection; j++)
            {
                planned.Add((c, interval * (j + random.NextDouble())));
            }
        }

        return [.. planned.OrderBy(p => p.At).Select((p, i) => new Planned(i, p.Connection, jobs[p.Connection][i % jobs[p.Connection].Count], p.At,
            random.NextDouble() < LargeCvShare ? random.Next(5_000_000, 10_000_001) : random.Next(50_000, 500_001)))];
    }

    /// <summary>
    /// As a platform does: a 429, 503 or no answer is sent again with the same Idempotency-Key after a pause; any other
    /// refusal is final and counted.
    /// </summary>
    private static async Task SubmitAsync(HttpClient platform, List<string> ids, Planned planned, string run, Tracker tracker)
    {
        var marker = $"soak-{run}-{planned.Index}";
        var applicant = TestApplicant.Random(new Random(planned.Index + 1_000_000), marker);
        var cv = new TestCv(planned.Index + 7_000_000, planned.CvBytes, marker).Bytes();
        var submittedAt = TimeProvider.System.GetUtcNow();
        tracker.Submitting();
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await Intake.SubmitAsync(platform, ids[planned.Connection], planned.JobId, applicant, cv, marker);
            if (outcome.Result == SubmitResult.Accepted)
            {
                tracker.Accepted(planned.Connection, outcome.ApplicationId!, submittedAt);
                return;
            }

            if (outcome.Result == SubmitResult.Rejected || attempt == SubmitAttempts)
            {
                tracker.Refuse($"{outcome.Status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"} {outcome.Problem}");
                return;
            }

            tracker.Retried();
            await Task.Delay(TimeSpan.FromSeconds(2 * attempt));
        }
    }

    /// <summary>
    /// The states of the applications still on their way, per connection: only those accepted since the oldest still
    /// open are listed, so a sample costs the server a few small pages, not the whole history.
    /// </summary>
    private static async Task RefreshAsync(HttpClient platform, List<string> ids, Tracker tracker, Action<double> delivered)
    {
        for (var c = 0; c < ids.Count; c++)
        {
            if (tracker.OldestOpen(c) is not { } oldest)
            {
                continue;
            }

            foreach (var item in await ListSinceAsync(platform, ids[c], oldest - TimeSpan.FromSeconds(5)))
            {
                var state = item.Str("state");
                if (Terminal.Contains(state) && tracker.End(c, item.Str("id"), state) && state == "Delivered")
                {
                    var latency = (item["deliveredAt"]!.GetValue<DateTimeOffset>() - item["acceptedAt"]!.GetValue<DateTimeOffset>()).TotalSeconds;
                    tracker.Latency(latency);
                    delivered(latency);
                }
            }
        }
    }

    private static async Task<List<JsonNode>> ListSinceAsync(HttpClient platform, string connectionId, DateTimeOffset? from)
    {
        var items = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var query = $"/api/v1/connections/{connectionId}/applications?limit=200"
                + (from is { } f ? "&from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)) : "")
                + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await platform.GetFromJsonAsync<JsonNode>(query) ?? throw new InvalidOperationException($"GET {query} answered no JSON.");
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        return items;
    }

    /// <summary>No growth trend: the last 10 minutes' mean RSS within 15 % of minutes 10–20's (thirds of a run shorter than 30 minutes).</summary>
    private static (bool Ok, string Text) MemoryTrend(List<SoakSample> soak)
    {
        if (soak.Count < 3)
        {
            return (true, "too few minutes for a trend");
        }

        var (early, late, earlyName, lateName) = soak.Count >= 30
            ? (soak.Where(s => s.Minute is >= 10 and <= 20).ToList(), soak.TakeLast(10).ToList(), "minutes 10–20", "the last 10 minutes")
            : (soak.Skip(soak.Count / 3).Take(soak.Count / 3).ToList(), soak.TakeLast(soak.Count / 3).ToList(), "the middle third", "the last third");
        var (earlyMean, lateMean) = (early.Average(s => s.RssMb), late.Average(s => s.RssMb));
        var ratio = lateMean / earlyMean;
        return (ratio <= 1.15, $"mean RSS of {lateName} {lateMean:0} MB vs {earlyName} {earlyMean:0} MB ({(ratio - 1) * 100:+0.0;-0.0} %, limit +15 %)");
    }

    /// <summary>Bounded: the second half's peak sockets (and PostgreSQL connections) at most a quarter (plus 5) above the first half's.</summary>
    private static (bool Ok, string Text) ConnectionsBounded(List<SoakSample> soak, bool postgres)
    {
        if (soak.Count < 2)
        {
            return (true, "too few minutes to compare");
        }

        var (first, second) = (soak.Take(soak.Count / 2).ToList(), soak.Skip(soak.Count / 2).ToList());
        static bool Within(int firstPeak, int secondPeak) => secondPeak <= (firstPeak * 1.25) + 5;
        var (s1, s2) = (first.Max(s => s.Sockets), second.Max(s => s.Sockets));
        var ok = Within(s1, s2);
        var text = $"peak sockets {s1} in the first half, {s2} in the second";
        if (postgres)
        {
            var (d1, d2) = (first.Max(s => s.DbConnections ?? 0), second.Max(s => s.DbConnections ?? 0));
            ok &= Within(d1, d2);
            text += $"; peak PostgreSQL connections {d1} and {d2}";
        }

        return (ok, text + " (limit: second ≤ 1.25 × first + 5)");
    }

    private static async Task<(long Requests, long Throttled, long Injected503)> SandboxTotalsAsync(BenchContext bench, List<string> companies)
    {
        var http = bench.Sandbox.Http();
        long requests = 0, throttled = 0, injected = 0;
        foreach (var company in companies)
        {
            var stats = JsonNode.Parse(await http.GetStringAsync($"/_sandbox/stats?clientId={company}"))!;
            requests += stats["requests"]!.GetValue<long>();
            throttled += stats["throttled"]!.GetValue<long>();
            injected += stats["endpoints"]!.AsObject().Sum(e => e.Value?["statuses"]?["503"]?.GetValue<long>() ?? 0);
        }

        return (requests, throttled, injected);
    }

    private static async Task<(int Runs, int Incomplete)> SyncRunsAsync(ServerProcess server, List<string> ids, DateTimeOffset since)
    {
        var admin = server.Admin();
        var (runs, incomplete) = (0, 0);
        foreach (var id in ids)
        {
            var list = await admin.GetFromJsonAsync<JsonArray>($"/api/v1/connections/{id}/sync-runs") ?? [];
            var during = list.Where(r => r!["requestedAt"]!.GetValue<DateTimeOffset>() >= since && r["finishedAt"] is not null).ToList();
            runs += during.Count;
            incomplete += during.Count(r => !r!["complete"]!.GetValue<bool>());
        }

        return (runs, incomplete);
    }

    private static double Percentile(List<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>What the bench knows of its applications: accepted ids by connection, which are still open, the latencies.</summary>
    private sealed class Tracker(int connections)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, DateTimeOffset>[] _open = [.. Enumerable.Range(0, connections).Select(_ => new Dictionary<string, DateTimeOffset>())];
        private readonly Dictionary<string, string> _ended = [];
        private readonly List<string> _accepted = [];
        private readonly ConcurrentBag<double> _latencies = [];
        private int _submitted;
        private int _refused;
        private int _retries;

        public int Submitted => Volatile.Read(ref _submitted);

        public int Refused => Volatile.Read(ref _refused);

        public int Retries => Volatile.Read(ref _retries);

        public string? FirstRefusal { get; private set; }

        public int Open
        {
            get
            {
                lock (_gate)
                {
                    return _open.Sum(o => o.Count);
                }
            }
        }

        public void Submitting() => Interlocked.Increment(ref _submitted);

        public void Retried() => Interlocked.Increment(ref _retries);

        public void Refuse(string why)
        {
            lock (_gate)
            {
                FirstRefusal ??= why;
            }

            Interlocked.Increment(ref _refused);
        }

        public void Accepted(int connection, string id, DateTimeOffset submittedAt)
        {
            lock (_gate)
            {
                _accepted.Add(id);
                if (!_ended.ContainsKey(id))
                {
                    _open[connection][id] = submittedAt;
                }
            }
        }

        public DateTimeOffset? OldestOpen(int connection)
        {
            lock (_gate)
            {
                return _open[connection].Count == 0 ? null : _open[connection].Values.Min();
            }
        }

        /// <summary>Records a terminal state; true the first time, so a delivery's latency is counted once.</summary>
        public bool End(int connection, string id, string state)
        {
            lock (_gate)
            {
                return _open[connection].Remove(id) && _ended.TryAdd(id, state);
            }
        }

        public void Latency(double seconds) => _latencies.Add(seconds);

        public List<double> Latencies() => [.. _latencies];

        public List<string> AcceptedIds()
        {
            lock (_gate)
            {
                return [.. _accepted];
            }
        }

        public (int Accepted, int Delivered, int NeedsReview, int Failed) Counts()
        {
            lock (_gate)
            {
                var byState = _ended.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
                return (_accepted.Count, byState.GetValueOrDefault("Delivered"), byState.GetValueOrDefault("NeedsReview"), byState.GetValueOrDefault("Failed"));
            }
        }
    }
}

/// <summary>The server process as the kernel sees it (<c>/proc/PID</c>), and its database's connections as PostgreSQL sees them.</summary>
internal sealed class ProcessProbe(int pid, string? postgres, string? database) : IAsyncDisposable
{
    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];
    private NpgsqlConnection? _admin;

    public (double RssMb, double PeakRssMb, int Threads, int FileDescriptors, int Sockets, int TcpEstablished) Read()
    {
        var status = File.ReadAllLines($"/proc/{pid}/status")
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        static double Kb(string value) => long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        var links = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                links.Add(new FileInfo(fd).LinkTarget ?? "");
            }
            catch (IOException)
            {
                // The descriptor closed between the listing and the read.
            }
        }

        var sockets = links.Where(l => l.StartsWith("socket:[", StringComparison.Ordinal)).Select(l => l[8..^1]).ToHashSet();
        return (Kb(status["VmRSS"]), Kb(status["VmHWM"]), int.Parse(status["Threads"], CultureInfo.InvariantCulture), links.Count, sockets.Count,
            Established().Count(sockets.Contains));
    }

    /// <summary>The inodes of every established TCP socket of the machine (<c>/proc/net/tcp</c> and <c>tcp6</c>; state 01).</summary>
    private static IEnumerable<string> Established() =>
        TcpTables.Where(File.Exists).SelectMany(File.ReadLines)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[3] == "01").Select(f => f[9]); // the header's fourth field is "st", never "01"

    public async Task<int?> DatabaseConnectionsAsync()
    {
        if (postgres is null || database is null)
        {
            return null;
        }

        if (_admin is null)
        {
            _admin = new NpgsqlConnection(postgres);
            await _admin.OpenAsync();
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db", _admin);
        count.Parameters.AddWithValue("db", database);
        return Convert.ToInt32(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }
    }
}

/// <summary>The soak's section of docs/performance.md: verdict, end figures, the per-minute table and two Mermaid charts.</summary>
internal static class SoakReport
{
    public static string Markdown(SoakResult result, string machine)
    {
        var o = result.Options;
        var text = new StringBuilder();
        text.AppendLine(machine);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Command: `dotnet run -c Release --project bench/Passerelle.Bench -- --suite soak --minutes {o.Minutes} --connections {o.Connections} --per-connection-per-minute {o.PerConnectionPerMinute.ToString(CultureInfo.InvariantCulture)}{(o.Postgres is null ? "" : " --postgres \"$PG\"")}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{o.Connections} connections on {result.Database}, {o.PerConnectionPerMinute:0.##} applications per connection per minute ({o.Connections * o.PerConnectionPerMinute:0.#}/min in all) for {o.Minutes} minutes; the server out of process (`dotnet Passerelle.Server.dll`, Release, default settings, scheduled job sync every 5 minutes).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"**Verdict: {(result.Passed ? "pass" : "fail")}.**");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- nothing lost: **{Yes(result.NothingLost)}** ({result.Figures["accepted (202)"]:0} of {result.Figures["applications submitted"]:0} accepted; {result.Figures["delivered"]:0} delivered, {result.Figures["needs review"]:0} in review, {result.Figures["failed"]:0} failed, {result.Figures["not ended within the drain bound"]:0} not ended, {result.Figures["lost (accepted, unknown to the server)"]:0} unknown to the server)");
        text.AppendLine(CultureInfo.InvariantCulture, $"- no memory growth: **{Yes(result.MemoryFlat)}** ({result.MemoryCheck})");
        text.AppendLine(CultureInfo.InvariantCulture, $"- connections bounded: **{Yes(result.ConnectionsBounded)}** ({result.ConnectionCheck})");
        foreach (var note in result.Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- note: {note}");
        }

        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("|---|---:|");
        foreach (var (name, value) in result.Figures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Scenarios.Format(value)} |");
        }

        var postgres = o.Postgres is not null;
        text.AppendLine();
        text.AppendLine("Per minute (applications: so far; p95: accepted → delivered of the applications seen delivered in that minute; \"drain\": after the last submission):");
        text.AppendLine();
        text.AppendLine("| minute | RSS MB | peak RSS MB | threads | fds | sockets | TCP established |" + (postgres ? " db connections |" : "") + " submitted | accepted | delivered | pending | needs review | failed | delivered in the minute | p95 s |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|" + (postgres ? "---:|" : "") + "---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in result.Samples)
        {
            var db = postgres ? $" {s.DbConnections} |" : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Minute}{(s.Draining ? " (drain)" : "")} | {SoakScenario.Fmt(s.RssMb)} | {SoakScenario.Fmt(s.PeakRssMb)} | {s.Threads} | {s.FileDescriptors} | {s.Sockets} | {s.TcpEstablished} |{db} {s.Submitted} | {s.Accepted} | {s.Delivered} | {s.Pending} | {s.NeedsReview} | {s.Failed} | {s.DeliveredThisMinute} | {SoakScenario.Fmt(s.P95Seconds)} |");
        }

        var minutes = string.Join(", ", result.Samples.Select(s => s.Minute));
        text.AppendLine();
        text.AppendLine("```mermaid");
        text.AppendLine("xychart-beta");
        text.AppendLine("    title \"Server working set (RSS, MB) per minute\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"    x-axis \"minute\" [{minutes}]");
        text.AppendLine(CultureInfo.InvariantCulture, $"    y-axis \"MB\" 0 --> {Ceiling(result.Samples.Max(s => s.RssMb))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    line [{string.Join(", ", result.Samples.Select(s => s.RssMb.ToString("0", CultureInfo.InvariantCulture)))}]");
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine(postgres
            ? "Sockets of the server process (the higher line) and connections to its PostgreSQL database (the lower):"
            : "Sockets of the server process:");
        text.AppendLine();
        text.AppendLine("```mermaid");
        text.AppendLine("xychart-beta");
        text.AppendLine(postgres ? "    title \"Server sockets and PostgreSQL connections per minute\"" : "    title \"Server sockets per minute\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"    x-axis \"minute\" [{minutes}]");
        text.AppendLine(CultureInfo.InvariantCulture, $"    y-axis \"count\" 0 --> {Ceiling(Math.Max(result.Samples.Max(s => s.Sockets), result.Samples.Max(s => s.DbConnections ?? 0)))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    line [{string.Join(", ", result.Samples.Select(s => s.Sockets))}]");
        if (postgres)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    line [{string.Join(", ", result.Samples.Select(s => s.DbConnections ?? 0))}]");
        }

        text.AppendLine("```");
        return text.ToString();
    }

    private static string Yes(bool value) => value ? "yes" : "no";

    /// <summary>A round top for the chart's y axis, a little above the highest point.</summary>
    private static int Ceiling(double max)
    {
        var step = max > 500 ? 100 : max > 50 ? 10 : 5;
        return (int)(Math.Ceiling(max * 1.1 / step) * step);
    }
}
