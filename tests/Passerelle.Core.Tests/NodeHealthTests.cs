using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Testing;

namespace Passerelle.Core.Tests;

/// <summary>
/// A database that goes away leaves the node's connection pool holding connections the network cut. The node's
/// check relies on the driver to drop them (a broken connection clears its pool) rather than hand them to the lanes
/// once the database is back: this pins that, on the node's own check and on the queries after it.
/// </summary>
public sealed class NodeHealthTests
{
    [SkippableFact]
    public async Task Once_the_database_is_back_the_first_check_and_every_query_get_a_live_connection()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var target = new NpgsqlConnectionStringBuilder(database.Location);
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var relayed = new NpgsqlConnectionStringBuilder(database.Location) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddDbContext<PasserelleDbContext, PostgresPasserelleDbContext>(o => o.UsePostgres(relayed))
            .AddSingleton<INodeDependency, DatabaseDependency>()
            .AddSingleton<NodeHealth>()
            .BuildServiceProvider();
        await using var _ = services;
        var health = services.GetRequiredService<NodeHealth>();
        try
        {
            // Four connections at once, so four sit idle in the pool when the network goes.
            (await QueryAtOnceAsync(services, 4)).ShouldAllBe(ok => ok, "the database answers through the relay");
            (await health.CheckAsync()).ShouldBeTrue();

            proxy.Cut();
            (await health.CheckAsync()).ShouldBeFalse("the database is out of reach");
            health.Missing.Keys.ShouldBe(["database"]);

            proxy.Restore();
            (await health.CheckAsync()).ShouldBeTrue("the database answers again: the check must not fail on a connection the outage cut");
            (await QueryAtOnceAsync(services, 4)).ShouldAllBe(ok => ok, "no query after the outage meets a dead pooled connection");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }
    }

    private static async Task<bool[]> QueryAtOnceAsync(IServiceProvider services, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(0.2)");
                return true;
            }
            catch (Exception e) when (DatabaseFailures.IsUnavailable(e) || e is NpgsqlException)
            {
                return false;
            }
        }));
}
