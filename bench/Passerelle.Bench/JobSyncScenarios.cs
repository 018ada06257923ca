using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;

namespace Passerelle.Bench;

/// <summary>
/// Job sync against the out-of-process sandbox, through <see cref="JobSync"/> exactly as a lane runs it (SQLite,
/// the production SR client and limits). Companies come from a seed file whose jobs were last updated days ago,
/// as a real customer's are, so an incremental sync sees only what the scenario changes.
/// </summary>
internal static class JobSyncScenarios
{
    private const int PageSize = 100;
    private const double SrRequestsPerSecond = 10;

    /// <summary>One company of <paramref name="jobs"/> jobs: a first full sync, then an incremental one after 1 % changed.</summary>
    public static async Task<RunResult> LargeCompanyAsync(BenchContext bench, int jobs)
    {
        var company = "Big" + Guid.NewGuid().ToString("N")[..6];
        await SeedAsync(bench, [(company, jobs)]);
        await using var passerelle = await PasserelleSide.StartAsync(bench);
        var id = await passerelle.ConnectAsync(company);

        var clock = Stopwatch.StartNew();
        var first = await passerelle.SyncAsync(id, SyncKind.Full);
        clock.Stop();
        var stats = await StatsAsync(bench, company);
        var minimum = Pages(jobs) + jobs;
        var firstResult = new RunResult(new Dictionary<string, double>
        {
            ["jobs"] = jobs,
            ["SR calls"] = first.SrCalls,
            ["minimum calls (pages + details)"] = minimum,
            ["calls / minimum"] = first.SrCalls / (double)minimum,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["rate-limit bound (s)"] = minimum / SrRequestsPerSecond,
            ["seconds / bound"] = clock.Elapsed.TotalSeconds / (minimum / SrRequestsPerSecond),
            ["429s"] = stats.Throttled,
            ["token requests"] = stats.Tokens,
        }, first.Complete && first.Created == jobs && first.SrCalls == minimum && stats.Throttled == 0);

        // 1 % of the jobs change in SR; the next incremental sync must cost exactly the pages of changed jobs plus
        // their details.
        var changed = jobs / 100;
        var ids = await passerelle.JobIdsAsync(id);
        var random = new Random(42);
        var http = bench.Sandbox.Http();
        foreach (var job in ids.OrderBy(_ => random.Next()).Take(changed))
        {
            (await http.PatchAsJsonAsync($"/_sandbox/jobs/{job}", new { title = $"Changed {job[..8]}" })).EnsureSuccessStatusCode();
        }

        var before = await StatsAsync(bench, company);
        clock.Restart();
        var incremental = await passerelle.SyncAsync(id, SyncKind.Incremental);
        clock.Stop();
        var after = await StatsAsync(bench, company);
        var incrementalMinimum = Pages(changed) + changed;
        var incrementalResult = new RunResult(new Dictionary<string, double>
        {
            ["changed jobs"] = changed,
            ["SR calls"] = incremental.SrCalls,
            ["minimum calls (pages + details)"] = incrementalMinimum,
            ["calls / minimum"] = incremental.SrCalls / (double)incrementalMinimum,
            ["SR requests seen by the sandbox"] = after.Requests - before.Requests,
            ["updated"] = incremental.Updated,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["429s"] = after.Throttled - before.Throttled,
        }, incremental.Complete && incremental.Updated == changed && incremental.SrCalls == incrementalMinimum && after.Throttled == before.Throttled);
        var figures = firstResult.Figures.ToDictionary(f => "first full sync: " + f.Key, f => f.Value);
        foreach (var (key, value) in incrementalResult.Figures)
        {
            figures["incremental after 1 % changed: " + key] = value;
        }

        return new RunResult(figures, firstResult.MetTarget && incrementalResult.MetTarget);
    }

    /// <summary><paramref name="connections"/> companies of <paramref name="jobs"/> jobs each, all first-synced at once.</summary>
    public static async Task<RunResult> ManyConnectionsAsync(BenchContext bench, int connections, int jobs, bool useThrottle)
    {
        var prefix = "Co" + Guid.NewGuid().ToString("N")[..4];
        var companies = Enumerable.Range(0, connections).Select(i => ($"{prefix}{i:D3}", jobs)).ToList();
        await SeedAsync(bench, companies);
        await using var passerelle = await PasserelleSide.StartAsync(bench);
        var ids = new List<ConnectionId>();
        foreach (var (company, _) in companies)
        {
            ids.Add(await passerelle.ConnectAsync(company));
        }

        // As the lanes do (each sync takes a turn from the node's SyncThrottle), or every sync at once.
        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(ids.Select(id => useThrottle ? passerelle.ThrottledSyncAsync(id, SyncKind.Full) : passerelle.SyncAsync(id, SyncKind.Full)));
        clock.Stop();

        long throttled = 0, tokens = 0;
        foreach (var (company, _) in companies)
        {
            var stats = await StatsAsync(bench, company);
            throttled += stats.Throttled;
            tokens += stats.Tokens;
        }

        var perConnection = Pages(jobs) + jobs;
        var bound = perConnection / SrRequestsPerSecond;
        var calls = runs.Sum(r => r.SrCalls);
        return new RunResult(new Dictionary<string, double>
        {
            ["connections"] = connections,
            ["syncs at once (Sync:MaxConcurrentSyncs)"] = useThrottle ? passerelle.MaxConcurrentSyncs : connections,
            ["jobs synced"] = runs.Sum(r => r.Created),
            ["SR calls"] = calls,
            ["minimum calls"] = perConnection * connections,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["rate-limit bound (s)"] = bound,
            ["seconds / bound"] = clock.Elapsed.TotalSeconds / bound,
            ["SR calls/s, all connections"] = calls / clock.Elapsed.TotalSeconds,
            ["429s"] = throttled,
            ["token requests"] = tokens,
            ["incomplete runs"] = runs.Count(r => !r.Complete),
        }, throttled == 0 && runs.All(r => r.Complete && r.Created == jobs) && calls == perConnection * connections);
    }

    private static int Pages(int jobs) => Math.Max(1, (jobs + PageSize - 1) / PageSize);

    /// <summary>Replaces the sandbox's data with these companies (one credential each: client id = company, secret = "secret-" + company) through a seed file.</summary>
    internal static async Task SeedAsync(BenchContext bench, IReadOnlyList<(string Company, int Jobs)> companies)
    {
        // Jobs last touched days ago, spread over a month, as a real company's are.
        var epoch = TimeProvider.System.GetUtcNow().AddDays(-40);
        var seed = new JsonObject
        {
            ["companies"] = new JsonArray([.. companies.Select(c => (JsonNode)new JsonObject
            {
                ["identifier"] = c.Company,
                ["name"] = c.Company,
                ["jobs"] = new JsonArray([.. Enumerable.Range(0, c.Jobs).Select(i => (JsonNode)new JsonObject
                {
                    ["title"] = $"Poste {i}",
                    ["refNumber"] = $"{c.Company}-{i:D5}",
                    ["status"] = "SOURCING",
                    ["postingStatus"] = i % 4 == 0 ? "INTERNAL" : "PUBLIC",
                    ["updatedOn"] = epoch.AddMinutes(i % 40_000).ToString("O", CultureInfo.InvariantCulture),
                })]),
            })]),
            ["credentials"] = new JsonArray([.. companies.Select(c => (JsonNode)new JsonObject
            {
                ["company"] = c.Company, ["name"] = "bench", ["systemRole"] = "Employee", ["scopes"] = new JsonArray("jobs_read", "candidates_create"),
                ["clientId"] = c.Company, ["clientSecret"] = "secret-" + c.Company,
            })]),
        };
        var path = Path.Combine(Path.GetTempPath(), $"passerelle-bench-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, seed.ToJsonString());
        try
        {
            var response = await bench.Sandbox.Http().PostAsync($"/_sandbox/reset?seed={Uri.EscapeDataString(path)}", null);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The sandbox refused the seed: {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static async Task<(long Requests, long Throttled, long Tokens)> StatsAsync(BenchContext bench, string clientId)
    {
        var stats = JsonNode.Parse(await bench.Sandbox.Http().GetStringAsync($"/_sandbox/stats?clientId={clientId}"))!;
        return (stats["requests"]!.GetValue<long>(), stats["throttled"]!.GetValue<long>(), stats["tokenRequests"]!.GetValue<long>());
    }

    /// <summary>Passerelle's side: a SQLite database in a scratch directory, the key ring, the SR client, JobSync.</summary>
    private sealed class PasserelleSide(DirectoryInfo data, ServiceProvider services, Uri sandbox) : IAsyncDisposable
    {
        public static async Task<PasserelleSide> StartAsync(BenchContext bench)
        {
            var data = Directory.CreateTempSubdirectory("passerelle-bench-");
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Passerelle:DataDirectory"] = data.FullName })
                .Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddSingleton(TimeProvider.System);
            services.AddPasserellePersistence(configuration);
            services.AddPasserelleSecrets(configuration);
            services.AddSmartRecruitersClient();
            services.AddPasserelleLanes();
            var provider = services.BuildServiceProvider();
            await provider.MigrateAsync();
            return new PasserelleSide(data, provider, bench.Sandbox.BaseAddress);
        }

        public async Task<ConnectionId> ConnectAsync(string company)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            var connection = new Connection
            {
                DisplayName = company, CustomerName = company, CompanyIdentifier = company, ClientId = company, BaseUrl = sandbox.AbsoluteUri,
                Status = ConnectionStatus.Active, CreatedBy = "bench", UpdatedBy = "bench", CreatedAt = TimeProvider.System.GetUtcNow(),
            };
            connection.ProtectedSecret = scope.ServiceProvider.GetRequiredService<SecretProtector>().Protect("secret-" + company);
            db.Connections.Add(connection);
            await db.SaveChangesAsync();
            return connection.Id;
        }

        public async Task<SyncRun> SyncAsync(ConnectionId id, SyncKind kind)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<JobSync>().RunOnceAsync(id, kind)
                ?? throw new InvalidOperationException("The connection was not synced.");
        }

        public Task<SyncRun> ThrottledSyncAsync(ConnectionId id, SyncKind kind) =>
            services.GetRequiredService<SyncThrottle>().RunAsync(() => SyncAsync(id, kind), CancellationToken.None);

        public int MaxConcurrentSyncs => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SyncOptions>>().Value.MaxConcurrentSyncs;

        public async Task<List<string>> JobIdsAsync(ConnectionId id)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().JobOffers.Where(o => o.ConnectionId == id).Select(o => o.SrJobId).ToListAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await services.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }
}
