using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Passerelle.Testing;
using Xunit.Abstractions;

namespace Passerelle.Chaos;

/// <summary>
/// Production scale-out on one machine, all on loopback: PostgreSQL and Redis (from test.sh), the SR sandbox as its
/// own process, and several Passerelle nodes as processes in one Orleans cluster sharing the database, the key ring
/// and the file store, as the README's scale-out section prescribes. Nodes can be SIGKILLed and restarted.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    private readonly string _postgres;
    private readonly string _database;
    private readonly string _root;
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, string?> _settings;
    private int _next;

    private ChaosCluster(string postgres, string database, string root, SandboxProcess sandbox, Dictionary<string, string?> settings, ITestOutputHelper output)
    {
        _postgres = postgres;
        _database = database;
        _root = root;
        Sandbox = sandbox;
        _settings = settings;
        _output = output;
    }

    public SandboxProcess Sandbox { get; }

    public List<ServerProcess> Nodes { get; } = [];

    /// <summary>Nodes frozen by SIGSTOP: clients skip them, as a load balancer's health check would.</summary>
    public HashSet<ServerProcess> Paused { get; } = [];

    public string AdminKey => Nodes[0].AdminKey;

    /// <summary>What each connection is, in SR and in Passerelle.</summary>
    public List<ChaosConnection> Connections { get; } = [];

    /// <summary>The addresses from test.sh, or a skip saying how to get them.</summary>
    public static (string Postgres, string Redis) Requirements()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("PASSERELLE_TEST_REDIS");
        Skip.If(string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(redis),
            "PASSERELLE_TEST_POSTGRES and PASSERELLE_TEST_REDIS are not set: the chaos scenarios need PostgreSQL and Redis; run ./test.sh.");
        return (postgres!, redis!);
    }

    public static async Task<ChaosCluster> StartAsync(string name, int nodes, ITestOutputHelper output, params string[] sandboxArguments)
    {
        var (postgres, redis) = Requirements();
        var database = $"passerelle_chaos_{name.Replace('-', '_')}_{Guid.NewGuid().ToString("N")[..8]}";
        await ExecuteAsync(postgres, $"CREATE DATABASE {database}");
        var root = Directory.CreateTempSubdirectory($"passerelle-chaos-{name}-").FullName;
        var sandbox = await SandboxProcess.StartFavouredAsync(["--seed", "none", .. sandboxArguments]);
        output.WriteLine(sandbox.Favoured ? "sandbox ahead of the nodes (nice -15), as SR on its own machines" : "sandbox at normal priority (not root): under saturation it stalls with the nodes");
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Redis",
            ["Cluster:Redis"] = redis,
            ["Cluster:ClusterId"] = $"chaos-{name}-{Guid.NewGuid().ToString("N")[..8]}",
            ["Cluster:AdvertisedAddress"] = "127.0.0.1",
            // Shared by every node: any node must read any secret and any accepted CV.
            ["Passerelle:KeyRingDirectory"] = Path.Combine(root, "keys"),
            ["Applications:FileDirectory"] = Path.Combine(root, "files"),
            ["Sync:SupervisorInterval"] = "00:00:01",
            ["Applications:RetryBackoffBase"] = "00:00:02",
            ["Applications:RetryBackoffCap"] = "00:00:10",
        };
        var cluster = new ChaosCluster(postgres, database, root, sandbox, settings, output);
        try
        {
            // The first node migrates and writes the first admin key; the others start together once it has.
            cluster.Nodes.Add(await cluster.StartNodeAsync());
            var others = await Task.WhenAll(Enumerable.Range(1, nodes - 1).Select(_ => cluster.StartNodeAsync()));
            cluster.Nodes.AddRange(others);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<ServerProcess> StartNodeAsync()
    {
        var index = Interlocked.Increment(ref _next);
        var data = Path.Combine(_root, $"node{index}");
        Directory.CreateDirectory(data);
        if (index > 1)
        {
            // Only the first start of the cluster writes the bootstrap key; the test harness reads it from each node's directory.
            File.Copy(Path.Combine(_root, "node1", "bootstrap-admin-key.txt"), Path.Combine(data, "bootstrap-admin-key.txt"));
        }

        return await ServerProcess.StartAsync(new ServerProcessOptions
        {
            Name = $"chaos-node{index}",
            DataDirectory = data,
            PostgresConnectionString = new NpgsqlConnectionStringBuilder(_postgres) { Database = _database }.ConnectionString,
            Settings = _settings,
            ReadyTimeout = TimeSpan.FromSeconds(120),
        });
    }

    /// <summary>A client of any running node, with <paramref name="key"/>: the first one that is up, starting from <paramref name="preferred"/>.</summary>
    public HttpClient Client(string key, int preferred = 0)
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            var node = Nodes[(preferred + i) % Nodes.Count];
            if (node.ProcessId is not null && !Paused.Contains(node))
            {
                var http = node.Http(key);
                http.Timeout = TimeSpan.FromSeconds(60);
                return http;
            }
        }

        throw new InvalidOperationException("No node is running.");
    }

    /// <summary>Adds <paramref name="count"/> connections, each its own SR company with a few open jobs, and waits for their first sync.</summary>
    public async Task AddConnectionsAsync(int count, int jobsEach = 3)
    {
        var admin = Client(AdminKey);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var tenant = await Sandbox.NewTenantAsync();
            for (var j = 0; j < jobsEach; j++)
            {
                await tenant.AddJobIdAsync($"Poste {i}-{j}");
            }

            using var response = await admin.PostAsJsonAsync("/api/v1/connections", new
            {
                displayName = $"Chaos {i:D3}", customerName = $"Client {i:D3}", companyIdentifier = tenant.Company,
                clientId = tenant.ClientId, clientSecret = tenant.ClientSecret, baseUrl = Sandbox.BaseAddress.AbsoluteUri,
            }, ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
            var id = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<string>();
            lock (Connections)
            {
                Connections.Add(new ChaosConnection(i, id, tenant));
            }
        });
        Connections.Sort((a, b) => a.Index.CompareTo(b.Index));

        var waited = Stopwatch.StartNew();
        foreach (var connection in Connections)
        {
            while (true)
            {
                var page = await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{connection.Id}/jobs?open=true&limit=10"));
                connection.Jobs = page["items"]?.AsArray().Select(j => j.Str("id")).ToList() ?? [];
                if (connection.Jobs.Count >= jobsEach)
                {
                    break;
                }

                waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(120), $"Connection {connection.Id}'s first sync brings its jobs.");
                await Task.Delay(500);
            }
        }
    }

    /// <summary>For each connection, the node (index in <see cref="Nodes"/>) its lane runs on now, or -1 when the lane does not answer.</summary>
    public async Task<Dictionary<ChaosConnection, int>> LanesAsync()
    {
        var admin = Client(AdminKey);
        var lanes = new Dictionary<ChaosConnection, int>();
        foreach (var connection in Connections)
        {
            using var response = await admin.GetAsync($"/api/v1/connections/{connection.Id}/lane");
            var node = response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonObject>())?["node"]?.GetValue<string>() : null;
            lanes[connection] = node is null ? -1 : Nodes.FindIndex(n => node.Contains($":{n.SiloPort}:", StringComparison.Ordinal));
        }

        return lanes;
    }

    public void Log(string line) => _output.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss} {line}");

    /// <summary>Every node's log, for the leak checks.</summary>
    public void LogsShouldNotContain(IEnumerable<(string Label, string Value)> secrets)
    {
        var list = secrets.ToList();
        foreach (var node in Nodes)
        {
            node.LogShouldNotContain(list);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Sandbox.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        try
        {
            await ExecuteAsync(_postgres, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // Best effort: a throwaway server anyway.
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A node may still hold a file for a moment; the directory is temporary.
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>One customer: its SR company (the sandbox tenant), its Passerelle connection and its open jobs.</summary>
internal sealed record ChaosConnection(int Index, string Id, Tenant Tenant)
{
    public List<string> Jobs { get; set; } = [];
}
