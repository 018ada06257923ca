using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>
/// Two server nodes in one test, as in production scale-out: one PostgreSQL database, Redis for cluster membership
/// (both from test.sh), one sandbox as SmartRecruiters.
/// </summary>
public sealed class ClusterTests
{
    private const int Connections = 6;

    [SkippableFact]
    public async Task Each_lane_runs_on_exactly_one_node_and_its_syncs_continue_on_the_other_when_its_node_stops()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("PASSERELLE_TEST_REDIS");
        Skip.If(string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(redis), "PASSERELLE_TEST_POSTGRES and PASSERELLE_TEST_REDIS are not set: run ./test.sh for the cluster case.");

        var database = "passerelle_cluster_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(postgres!, $"CREATE DATABASE {database}");
        var data = Directory.CreateTempSubdirectory("passerelle-cluster-");
        var sandbox = new SandboxFactory();
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        ServerFactory Node()
        {
            var node = ServerFactory.Node(data, sandbox);
            node.Settings["Database:Provider"] = "Postgres";
            node.Settings["ConnectionStrings:Passerelle"] = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
            node.Settings["Cluster:Mode"] = "Redis";
            node.Settings["Cluster:Redis"] = redis;
            node.Settings["Cluster:ClusterId"] = clusterId;
            node.Settings["Cluster:AdvertisedAddress"] = "127.0.0.1";
            node.Settings["Sync:Scheduled"] = "true";
            node.Settings["Sync:Interval"] = "00:00:01";
            node.Settings["Sync:FullInterval"] = "01:00:00";
            node.Settings["Sync:SupervisorInterval"] = "00:00:01";
            return node;
        }

        var a = Node();
        var b = Node();
        try
        {
            _ = a.Services; // starts node a (and migrates) before node b
            _ = b.Services;
            var ids = new List<ConnectionId>();
            for (var i = 0; i < Connections; i++)
            {
                var tenant = await sandbox.NewTenantAsync();
                await tenant.AddJobIdAsync($"Opérateur {i}");
                ids.Add(new ConnectionId(Guid.Parse(await LaneTests.ConnectAsync(i % 2 == 0 ? a : b, tenant))));
            }

            var onA = Registry(a);
            var onB = Registry(b);
            await LaneTests.EventuallyAsync(() => Task.FromResult(ids.All(id => onA.Active.Contains(id) || onB.Active.Contains(id)) ? "all" : null),
                "every connection's lane to be active somewhere");
            await LaneTests.EventuallyAsync(async () => await SyncedByAsync(a, ids, TimeProvider.System.GetUtcNow().AddHours(-1)) is { Count: Connections } nodes ? nodes : null,
                "a sync of every connection");

            // Exactly one node: never on both registries, and every run of a connection so far ran on one node.
            onA.Active.Intersect(onB.Active).ShouldBeEmpty();
            await using (var scope = a.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
                var runs = await db.SyncRuns.AsNoTracking().Where(r => r.State == SyncRunState.Finished).Select(r => new { r.ConnectionId, r.Node }).ToListAsync();
                foreach (var id in ids)
                {
                    runs.Where(r => r.ConnectionId == id).Select(r => r.Node).Distinct().Count().ShouldBe(1, $"connection {id}'s syncs all ran on one node");
                }
            }

            // Stop the node holding the most lanes; its connections carry on from the other node.
            var (victim, survivor, moving) = onA.Active.Count >= onB.Active.Count ? (a, b, onA.Active.ToList()) : (b, a, onB.Active.ToList());
            moving.ShouldNotBeEmpty();
            var victimNode = await NodeOfAsync(victim, moving[0]);
            var survivorNode = ids.Except(moving).FirstOrDefault() is { } hosted && hosted != default ? await NodeOfAsync(survivor, hosted) : null;
            var stoppedAt = TimeProvider.System.GetUtcNow();
            await victim.DisposeAsync();
            if (victim == a)
            {
                a = null!;
            }
            else
            {
                b = null!;
            }

            var after = await LaneTests.EventuallyAsync(async () => await SyncedByAsync(survivor, moving, stoppedAt) is { } nodes && nodes.Count == moving.Count ? nodes : null,
                "the stopped node's connections to sync again");
            moving.ShouldBeSubsetOf(Registry(survivor).Active);
            after.Values.ShouldAllBe(node => node != null && node != victimNode, "the syncs after the stop ran on the surviving node");
            if (survivorNode is not null)
            {
                after.Values.ShouldAllBe(node => node == survivorNode);
            }
        }
        finally
        {
            if (a is not null)
            {
                await a.DisposeAsync();
            }

            if (b is not null)
            {
                await b.DisposeAsync();
            }

            await sandbox.DisposeAsync();
            data.Delete(recursive: true);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static LaneRegistry Registry(ServerFactory node) => node.Services.GetRequiredService<LaneRegistry>();

    /// <summary>The node name a node's lanes write on their runs (read from a lane it hosts).</summary>
    private static async Task<string> NodeOfAsync(ServerFactory node, ConnectionId hosted) =>
        (await node.Services.GetRequiredService<IGrainFactory>().GetGrain<IConnectionLane>(hosted.Value).GetStateAsync()).Node;

    /// <summary>For each connection with a finished complete run started after <paramref name="since"/>, the node that ran the latest.</summary>
    private static async Task<Dictionary<ConnectionId, string?>> SyncedByAsync(ServerFactory node, IEnumerable<ConnectionId> ids, DateTimeOffset since)
    {
        var wanted = ids.ToList();
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var runs = await db.SyncRuns.AsNoTracking()
            .Where(r => wanted.Contains(r.ConnectionId) && r.State == SyncRunState.Finished && r.Complete && r.StartedAt > since).ToListAsync();
        return runs.GroupBy(r => r.ConnectionId).ToDictionary(g => g.Key, g => g.OrderBy(r => r.StartedAt).Last().Node);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
