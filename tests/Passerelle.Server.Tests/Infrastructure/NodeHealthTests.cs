using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Infrastructure;

/// <summary>
/// A node that loses its database, or Redis in a cluster, says so on <c>/health/ready</c>, pauses its lanes (one
/// warning, no item failed) and resumes by itself. The dependency is taken away from this node only, through a
/// <see cref="TcpProxy"/> in front of test.sh's PostgreSQL and Redis, so the servers other tests share keep running.
/// </summary>
public sealed class NodeHealthTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    [SkippableFact]
    public async Task A_node_without_its_database_is_not_ready_pauses_its_lanes_and_delivers_what_was_in_flight_once_it_is_back()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        Skip.If(string.IsNullOrEmpty(postgres), "PASSERELLE_TEST_POSTGRES is not set: run ./test.sh for the database-loss case.");
        var target = new NpgsqlConnectionStringBuilder(postgres);
        var database = "passerelle_health_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(postgres!, $"CREATE DATABASE {database}");
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var logs = new CapturedLogs();
        var app = new ApplicationServerFactory();
        var server = app.Server;
        server.Settings["Database:Provider"] = "Postgres";
        server.Settings["ConnectionStrings:Passerelle"] = new NpgsqlConnectionStringBuilder(postgres) { Host = "127.0.0.1", Port = proxy.Port, Database = database }.ConnectionString;
        server.TestServices.Add(services => services.AddSingleton<ILoggerProvider>(logs));
        try
        {
            var tenant = await server.Sandbox.NewTenantAsync();
            var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
            var platform = await Applications.PlatformAsync(server);
            var probe = server.CreateClient();
            (await probe.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // SR takes 3 s over each create and attachment, so the database goes while the creates are in flight.
            await tenant.SetFaultsAsync(new { latencyMs = 3000, pathPattern = "candidates" });
            var ids = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                ids.Add(await Applications.AcceptedAsync(platform, connectionId, jobs[0],
                    Applications.Form(Applications.Applicant($"health-{i}-{Guid.NewGuid():N}@example.org"), Applications.Pdf(900 + i))));
            }

            await Applications.WaitAsync(platform, ids[^1], "Creating");
            proxy.Cut();

            var body = await LaneTests.EventuallyAsync(async () =>
            {
                using var response = await probe.GetAsync("/health/ready");
                return response.StatusCode == HttpStatusCode.ServiceUnavailable ? await response.Content.ReadAsStringAsync() : null;
            }, "/health/ready to answer 503 without the database");
            var check = JsonNode.Parse(body)!["checks"]!["database"]!;
            check.Str("status").ShouldBe("Unhealthy");
            check.Str("problem").ShouldNotBeNullOrWhiteSpace();
            check.Str("remedy").ShouldContain("ConnectionStrings:Passerelle");
            body.ShouldNotContain(proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Case.Sensitive);
            body.ShouldNotContain(database, Case.Sensitive);
            body.ShouldNotContain("Username", Case.Insensitive);

            // SR answers the creates meanwhile; the node holds the answers and its lanes wait.
            await Task.Delay(Outage);
            proxy.Restore();
            await LaneTests.EventuallyAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK ? "ready" : null,
                "/health/ready to answer 200 once the database is back");

            foreach (var id in ids)
            {
                var ended = await Applications.WaitAsync(platform, id, "Delivered", "NeedsReview", "Failed");
                ended.Str("state").ShouldBe("Delivered", $"application {id} was in flight during the outage: {ended.ToJsonString()}");
            }

            (await tenant.CandidatesAsync()).Count.ShouldBe(3, "each applicant once in SR");
            logs.Count(LogLevel.Information, "is kept until the database answers again").ShouldBeGreaterThan(0, "an SR answer came while the database was away");
            logs.Count(LogLevel.Warning, "cannot reach its database").ShouldBe(1, "one warning for the outage");
            logs.Count(LogLevel.Information, "reaches its database again").ShouldBe(1);
            var lanes = logs.Entries.Where(l => l.Level >= LogLevel.Warning && l.Category is "Passerelle.Core.Lanes.ConnectionLane" or "Passerelle.Core.Lanes.LaneSupervisorWorker"
                or "Passerelle.Core.Applications.DeliveryPump" or "Passerelle.Core.Applications.ApplicationDelivery").Select(l => $"{l.Category}: {l.Message}").ToList();
            string.Join("\n", lanes).ShouldBeEmpty("the lanes, their pumps and the supervisor say nothing of their own about the node's outage");
        }
        finally
        {
            await app.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_database_failure_mid_round_that_the_node_does_not_confirm_pauses_the_lane_quietly_then_is_reported_if_it_persists()
    {
        // The create's fence (the write right before the request leaves) fails three times, as a query that times out
        // would, while the node's own check finds the database fine: nothing was sent, so nothing is in doubt.
        var fence = new FailingFence(times: ConnectionLaneRounds);
        var logs = new CapturedLogs();
        await using var app = new ApplicationServerFactory();
        var server = app.Server;
        server.TestServices.Add(services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            services.ConfigureDbContext<Core.Persistence.SqlitePasserelleDbContext>(o => o.AddInterceptors(fence));
            services.ConfigureDbContext<Core.Persistence.PostgresPasserelleDbContext>(o => o.AddInterceptors(fence));
        });
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
        var platform = await Applications.PlatformAsync(server);

        var id = await Applications.AcceptedAsync(platform, connectionId, jobs[0],
            Applications.Form(Applications.Applicant($"fence-{Guid.NewGuid():N}@example.org"), Applications.Pdf(970)));
        var ended = await Applications.WaitAsync(platform, id, "Delivered", "NeedsReview", "Failed");

        ended.Str("state").ShouldBe("Delivered", ended.ToJsonString());
        fence.Failed.ShouldBe(ConnectionLaneRounds, "each failed fence stopped its round before the request left");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1, "the applicant once in SR");
        logs.Count(LogLevel.Warning, "the delivery round failed").ShouldBe(0, "a round the database stopped is not the lane's own failure");
        logs.Count(LogLevel.Warning, "delivery rounds in a row stopped on database failures while the node reaches its database")
            .ShouldBe(1, "the third unconfirmed round in a row is reported, once");
        logs.Count(LogLevel.Warning, "cannot reach its database").ShouldBe(0, "the node's check found the database each time");
    }

    /// <summary>As many failures as the lane takes in silence before it warns (ConnectionLane.UnconfirmedOutagesToWarn).</summary>
    private const int ConnectionLaneRounds = 3;

    /// <summary>Fails the create's fence write (the application to Creating) a number of times, as a database timeout.</summary>
    private sealed class FailingFence(int times) : DbCommandInterceptor
    {
        private int _failed;

        public int Failed => Math.Min(Volatile.Read(ref _failed), times);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (command.CommandText.StartsWith("UPDATE \"Applications\"", StringComparison.Ordinal)
                && command.Parameters.Cast<DbParameter>().Any(p => p.Value is "Creating")
                && Interlocked.Increment(ref _failed) <= times)
            {
                throw new TimeoutException("The test's database did not answer in time.");
            }

            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    [SkippableFact]
    public async Task A_cluster_node_without_Redis_is_not_ready_holds_its_applications_and_delivers_them_once_Redis_is_back()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("PASSERELLE_TEST_REDIS");
        Skip.If(string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(redis), "PASSERELLE_TEST_POSTGRES and PASSERELLE_TEST_REDIS are not set: run ./test.sh for the Redis-loss case.");
        var database = "passerelle_health_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(postgres!, $"CREATE DATABASE {database}");
        var (host, port) = (redis![..redis.LastIndexOf(':')], int.Parse(redis[(redis.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        await using var proxy = TcpProxy.Start(host, port);
        var logs = new CapturedLogs();
        var app = new ApplicationServerFactory();
        var server = app.Server;
        server.Settings["Database:Provider"] = "Postgres";
        server.Settings["ConnectionStrings:Passerelle"] = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
        server.Settings["Cluster:Mode"] = "Redis";
        server.Settings["Cluster:Redis"] = $"127.0.0.1:{proxy.Port}";
        server.Settings["Cluster:ClusterId"] = "health-" + Guid.NewGuid().ToString("N")[..8];
        server.Settings["Cluster:AdvertisedAddress"] = "127.0.0.1";
        server.TestServices.Add(services => services.AddSingleton<ILoggerProvider>(logs));
        try
        {
            var tenant = await server.Sandbox.NewTenantAsync();
            var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
            var platform = await Applications.PlatformAsync(server);
            var probe = server.CreateClient();
            var ready = JsonNode.Parse(await (await probe.GetAsync("/health/ready")).Content.ReadAsStringAsync())!;
            ready["checks"]!["cluster"]!.Str("status").ShouldBe("Healthy");

            proxy.Cut();
            var body = await LaneTests.EventuallyAsync(async () =>
            {
                using var response = await probe.GetAsync("/health/ready");
                return response.StatusCode == HttpStatusCode.ServiceUnavailable ? await response.Content.ReadAsStringAsync() : null;
            }, "/health/ready to answer 503 without Redis");
            var checks = JsonNode.Parse(body)!["checks"]!;
            checks["database"]!.Str("status").ShouldBe("Healthy");
            checks["cluster"]!.Str("status").ShouldBe("Unhealthy");
            checks["cluster"]!.Str("problem").ShouldContain("Redis");
            checks["cluster"]!.Str("remedy").ShouldContain("Cluster:Redis");
            body.ShouldNotContain(proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Case.Sensitive);

            // The database answers, so intake does; the node's lanes hold the application until Redis is back.
            await LaneTests.EventuallyAsync(() => Task.FromResult(logs.Count(LogLevel.Warning, "cannot reach its cluster") > 0 ? "paused" : null), "the node to pause");
            var id = await Applications.AcceptedAsync(platform, connectionId, jobs[0],
                Applications.Form(Applications.Applicant($"redis-{Guid.NewGuid():N}@example.org"), Applications.Pdf(950)));
            await Task.Delay(TimeSpan.FromSeconds(4));
            (await Applications.GetAsync(platform, id)).Str("state").ShouldBe("Queued");

            proxy.Restore();
            await LaneTests.EventuallyAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK ? "ready" : null,
                "/health/ready to answer 200 once Redis is back");
            (await Applications.WaitAsync(platform, id, "Delivered", "NeedsReview", "Failed")).Str("state").ShouldBe("Delivered");
            (await tenant.CandidatesAsync()).Count.ShouldBe(1);
            logs.Count(LogLevel.Warning, "cannot reach its cluster").ShouldBe(1);
            logs.Count(LogLevel.Information, "reaches its cluster again").ShouldBe(1);
        }
        finally
        {
            await app.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
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
