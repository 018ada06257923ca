using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Passerelle.Testing;

namespace Passerelle.Bench;

/// <summary>
/// Applications through the real server (<see cref="ServerProcess"/>, <c>dotnet Passerelle.Server.dll</c>) against the
/// out-of-process sandbox: how fast intake answers 202, and how fast the lanes deliver within SR's limits.
/// </summary>
internal static class ApplicationScenarios
{
    /// <summary>SR allows 10 requests/s per credential and delivering an applicant takes two (create, attach the CV).</summary>
    public const double ApplicantsPerSecondBound = 5;

    private static readonly string[] Terminal = ["Delivered", "NeedsReview", "Failed"];
    private const string Pending = "Queued,Retrying,Creating,CandidateCreated,ResumeAttached";

    /// <summary><paramref name="applications"/> applications with CVs of <paramref name="cvBytes"/>, from <paramref name="submitters"/> concurrent clients, to one connection.</summary>
    public static async Task<RunResult> IntakeAsync(BenchContext bench, string? postgres, int applications, int submitters, int cvBytes)
    {
        var company = "Intake" + Guid.NewGuid().ToString("N")[..6];
        await JobSyncScenarios.SeedAsync(bench, [(company, 5)]);
        await using var database = await BenchDatabase.CreateAsync(postgres);
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "bench-intake", PostgresConnectionString = database.ConnectionString });
        var platform = server.Http(await server.NewKeyAsync("platform"));
        var connection = await ConnectAsync(server, bench, company);
        var jobs = await OpenJobsAsync(platform, connection);

        // Warm-up (JIT, connection pools, the first CV files), not measured.
        await SubmitAsync(platform, [.. Enumerable.Range(0, submitters).Select(i => new Planned(connection, jobs[i % jobs.Count], -1 - i))], submitters, cvBytes);

        Submitted[] submitted;
        long peak;
        var clock = Stopwatch.StartNew();
        await using (var sampler = new WorkingSetSampler(server.WorkingSetBytes, everyMs: 100))
        {
            submitted = await SubmitAsync(platform, [.. Enumerable.Range(0, applications).Select(i => new Planned(connection, jobs[i % jobs.Count], i))], submitters, cvBytes);
            clock.Stop();
            peak = sampler.Peak;
        }

        var accepted = submitted.Where(s => s.Outcome.Result == SubmitResult.Accepted).ToList();
        var latencies = accepted.Select(s => s.Outcome.Elapsed.TotalMilliseconds).ToList();
        return new RunResult(new Dictionary<string, double>
        {
            ["applications"] = applications,
            ["accepted (202)"] = accepted.Count,
            ["refused or failed"] = applications - accepted.Count,
            ["applications/s"] = accepted.Count / clock.Elapsed.TotalSeconds,
            ["MB/s of CVs"] = accepted.Count * (double)cvBytes / 1_000_000 / clock.Elapsed.TotalSeconds,
            ["202 latency p50 (ms)"] = Percentile(latencies, 50),
            ["202 latency p99 (ms)"] = Percentile(latencies, 99),
            ["202 latency max (ms)"] = latencies.Count == 0 ? double.NaN : latencies.Max(),
            ["server peak working set MB"] = peak / 1_048_576.0,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, accepted.Count == applications, FirstProblem(submitted));
    }

    /// <summary>
    /// <paramref name="applications"/> applications spread over <paramref name="connections"/> connections (a credential
    /// each), submitted as fast as intake takes them; measured until every one is delivered or ended otherwise.
    /// </summary>
    /// <remarks>
    /// With <paramref name="backlog"/>, deliveries are held while the applications are submitted (SR refuses the
    /// credentials' <c>candidates_create</c> scope, so each connection pauses in NeedsAttention, its applications
    /// queued), then released at once (scope back, connection re-tested): each connection then drains a backlog, and
    /// its throughput is what the rate budget allows, not what intake brings.
    /// </remarks>
    public static async Task<RunResult> DeliveryAsync(BenchContext bench, string? postgres, int connections, int applications, int submitters, int cvBytes, TimeSpan bound,
        bool backlog = false)
    {
        var prefix = "Dlv" + Guid.NewGuid().ToString("N")[..4];
        var companies = Enumerable.Range(0, connections).Select(i => $"{prefix}{i:D3}").ToList();
        await JobSyncScenarios.SeedAsync(bench, [.. companies.Select(c => (c, 5))]);
        await using var database = await BenchDatabase.CreateAsync(postgres);
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "bench-delivery", PostgresConnectionString = database.ConnectionString });
        var platform = server.Http(await server.NewKeyAsync("platform"));
        var ids = new List<string>();
        foreach (var company in companies)
        {
            ids.Add(await ConnectAsync(server, bench, company));
        }

        var jobs = new Dictionary<string, List<string>>();
        foreach (var id in ids)
        {
            jobs[id] = await OpenJobsAsync(platform, id);
        }

        var before = await ThrottledAsync(bench, companies);
        var clock = Stopwatch.StartNew();
        Submitted[] submitted;
        var items = new Dictionary<string, JsonNode>();
        long peak;
        TimeSpan submission;
        DateTimeOffset? released = null;
        await using (var sampler = new WorkingSetSampler(server.WorkingSetBytes, everyMs: 100))
        {
            if (backlog)
            {
                await ScopesAsync(bench, companies, "jobs_read");
            }

            submitted = await SubmitAsync(platform, [.. Enumerable.Range(0, applications).Select(i => ids[i % ids.Count]).Select((c, i) => new Planned(c, jobs[c][i % jobs[c].Count], i))], submitters, cvBytes);
            submission = clock.Elapsed;
            if (backlog)
            {
                await ScopesAsync(bench, companies, "jobs_read", "candidates_create");
                released = TimeProvider.System.GetUtcNow();
                var admin = server.Admin();
                foreach (var id in ids)
                {
                    (await admin.PostAsync($"/api/v1/connections/{id}/test", null)).EnsureSuccessStatusCode();
                }
            }
            // Only the applications still on their way are listed while waiting, so the polling costs the server little.
            while (clock.Elapsed < bound)
            {
                var pending = 0;
                foreach (var id in ids)
                {
                    pending += (await Intake.ListAsync(platform, id, Pending)).Count;
                }

                if (pending == 0)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            clock.Stop();
            peak = sampler.Peak;
        }

        foreach (var id in ids)
        {
            foreach (var item in await Intake.ListAsync(platform, id))
            {
                items[item.Str("id")] = item;
            }
        }

        // The server's own times: acceptedAt (the 202) and deliveredAt (the RESUME attached), so polling does not blur them.
        var timed = items.Values.Where(i => i.Str("state") == "Delivered")
            .Select(i => (Connection: i.Str("connectionId"), Accepted: At(i, "acceptedAt"), Delivered: At(i, "deliveredAt"))).ToList();
        var latencies = timed.Select(t => (t.Delivered - t.Accepted).TotalSeconds).ToList();
        var perConnection = released is { } start
            ? ids.Select(id => timed.Where(t => t.Connection == id).Select(t => t.Delivered).ToList())
                .Where(d => d.Count > 0).Select(d => d.Count / (d.Max() - start).TotalSeconds).ToList()
            : ids.Select(id => BusyThroughput(
                [.. items.Values.Where(i => i.Str("connectionId") == id).Select(i => At(i, "acceptedAt"))],
                [.. timed.Where(t => t.Connection == id).Select(t => t.Delivered)])).ToList();
        // The pace once delivery runs, first to last delivery: what the rate budget allows, without the waits before.
        var pace = ids.Select(id => timed.Where(t => t.Connection == id).Select(t => t.Delivered).Order().ToList())
            .Where(d => d.Count > 1).Select(d => (d.Count - 1) / (d[^1] - d[0]).TotalSeconds).ToList();
        var span = timed.Count == 0 ? TimeSpan.Zero : timed.Max(t => t.Delivered) - timed.Min(t => t.Accepted);
        var throttled = await ThrottledAsync(bench, companies) - before;
        var count = items.Values.GroupBy(i => i.Str("state")).ToDictionary(g => g.Key, g => g.Count());
        return new RunResult(new Dictionary<string, double>
        {
            ["connections"] = connections,
            ["applications"] = applications,
            ["accepted"] = submitted.Count(s => s.Outcome.Result == SubmitResult.Accepted),
            ["delivered"] = count.GetValueOrDefault("Delivered"),
            ["in review"] = count.GetValueOrDefault("NeedsReview"),
            ["failed"] = count.GetValueOrDefault("Failed"),
            ["not ended within the bound"] = applications - Terminal.Sum(t => count.GetValueOrDefault(t)),
            ["submission seconds (all 202s)"] = submission.TotalSeconds,
            ["per-connection applicants/s, slowest"] = perConnection.Count == 0 ? double.NaN : perConnection.Min(),
            ["per-connection applicants/s, median"] = Scenarios.Median(perConnection),
            ["median / bound (5/s)"] = Scenarios.Median(perConnection) / ApplicantsPerSecondBound,
            ["per-connection pace, first to last delivery, median (applicants/s)"] = Scenarios.Median(pace),
            ["all connections applicants/s"] = timed.Count / span.TotalSeconds,
            ["accepted → delivered p50 (s)"] = Percentile(latencies, 50),
            ["accepted → delivered p99 (s)"] = Percentile(latencies, 99),
            ["429s"] = throttled,
            ["server peak working set MB"] = peak / 1_048_576.0,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, count.GetValueOrDefault("Delivered") == applications && throttled == 0, FirstProblem(submitted));
    }

    private sealed record Planned(string ConnectionId, string JobId, int Index);

    private sealed record Submitted(Planned Planned, SubmitOutcome Outcome, DateTimeOffset AcceptedAt);

    /// <summary>Every planned application once (no retry: in a bench a failure is a figure), <paramref name="submitters"/> at a time.</summary>
    private static async Task<Submitted[]> SubmitAsync(HttpClient platform, IReadOnlyList<Planned> planned, int submitters, int cvBytes)
    {
        var results = new Submitted[planned.Count];
        var next = -1;
        var run = Guid.NewGuid().ToString("N")[..8];
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < planned.Count; i = Interlocked.Increment(ref next))
            {
                var p = planned[i];
                var applicant = TestApplicant.Random(new Random(p.Index + 1_000_000), $"bench-{run}-{p.Index}");
                var cv = PdfFiles.Random(p.Index + 7_000_000, cvBytes, $"bench-{run}-{p.Index}");
                var outcome = await Intake.SubmitAsync(platform, p.ConnectionId, p.JobId, applicant, cv, $"bench-{run}-{p.Index}");
                results[i] = new Submitted(p, outcome, TimeProvider.System.GetUtcNow());
            }
        })));
        return results;
    }

    private static string? FirstProblem(IEnumerable<Submitted> submitted) =>
        submitted.FirstOrDefault(s => s.Outcome.Result != SubmitResult.Accepted) is { } s ? $"first refusal: {s.Outcome.Status} {s.Outcome.Problem}" : null;

    /// <summary>A connection's deliveries per second of the time it had applications waiting (so arrival does not bound it).</summary>
    private static double BusyThroughput(List<DateTimeOffset> accepted, List<DateTimeOffset> delivered)
    {
        if (delivered.Count < 2)
        {
            return double.NaN;
        }

        var events = accepted.Select(t => (At: t, Delta: 1)).Concat(delivered.Select(t => (At: t, Delta: -1))).OrderBy(e => e.At).ThenBy(e => -e.Delta).ToList();
        var (waiting, busy) = (0, TimeSpan.Zero);
        for (var i = 0; i < events.Count - 1; i++)
        {
            waiting += events[i].Delta;
            if (waiting > 0)
            {
                busy += events[i + 1].At - events[i].At;
            }
        }

        return busy > TimeSpan.Zero ? delivered.Count / busy.TotalSeconds : double.NaN;
    }

    private static DateTimeOffset At(JsonNode item, string name) => item[name]!.GetValue<DateTimeOffset>();

    private static double Percentile(List<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Onboards a seeded company as an account manager does; its probe makes it Active.</summary>
    internal static async Task<string> ConnectAsync(ServerProcess server, BenchContext bench, string company)
    {
        var response = await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = company, customerName = company, companyIdentifier = company, clientId = company, clientSecret = "secret-" + company,
            baseUrl = bench.Sandbox.BaseAddress.AbsoluteUri,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonNode>();
        return response.IsSuccessStatusCode && body?["status"]?.GetValue<string>() == "Active"
            ? body.Str("id")
            : throw new InvalidOperationException($"The connection for {company} was not created Active: {(int)response.StatusCode} {body?["status"] ?? body?["code"]}.");
    }

    /// <summary>The connection's open jobs, once its first sync brought them.</summary>
    internal static async Task<List<string>> OpenJobsAsync(HttpClient platform, string connection)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            var page = await platform.GetFromJsonAsync<JsonNode>($"/api/v1/connections/{connection}/jobs?open=true&limit=5");
            var ids = page?["items"]?.AsArray().Select(j => j.Str("id")).ToList() ?? [];
            if (ids.Count > 0)
            {
                return ids;
            }

            await Task.Delay(500);
        }

        throw new InvalidOperationException($"Connection {connection} had no open job after 2 minutes.");
    }

    private static async Task ScopesAsync(BenchContext bench, IEnumerable<string> clientIds, params string[] scopes)
    {
        var http = bench.Sandbox.Http();
        foreach (var clientId in clientIds)
        {
            (await http.PutAsJsonAsync($"/_sandbox/credentials/{clientId}/scopes", new { scopes })).EnsureSuccessStatusCode();
        }
    }

    private static async Task<long> ThrottledAsync(BenchContext bench, IEnumerable<string> clientIds)
    {
        long total = 0;
        foreach (var clientId in clientIds)
        {
            total += (await JobSyncScenarios.StatsAsync(bench, clientId)).Throttled;
        }

        return total;
    }
}

/// <summary>SQLite in the server's data directory (null connection string), or a new PostgreSQL database dropped afterwards.</summary>
internal sealed class BenchDatabase(string? server, string? connectionString, string? name) : IAsyncDisposable
{
    public string? ConnectionString { get; } = connectionString;

    /// <summary>The PostgreSQL database's name (null on SQLite), for what <c>pg_stat_activity</c> says of it.</summary>
    public string? Name { get; } = name;

    public static async Task<BenchDatabase> CreateAsync(string? postgres)
    {
        if (postgres is null)
        {
            return new BenchDatabase(null, null, null);
        }

        var name = "passerelle_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new BenchDatabase(postgres, new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (server is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
