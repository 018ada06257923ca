using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>A server whose lanes sync on a one-second schedule, so schedules can be watched in a test.</summary>
public sealed class ScheduledServerFactory : IAsyncDisposable
{
    public ServerFactory Server { get; } = new();

    public ScheduledServerFactory()
    {
        Server.Settings["Sync:Scheduled"] = "true";
        Server.Settings["Sync:Interval"] = "00:00:01";
        Server.Settings["Sync:FullInterval"] = "01:00:00";
        Server.Settings["Sync:SupervisorInterval"] = "00:00:01";
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

public sealed class LaneTests(ServerFactory onDemand) : IClassFixture<ServerFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static async Task<string> ConnectAsync(ServerFactory server, Tenant tenant)
    {
        var created = await (await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = $"Lane {Guid.NewGuid():N}", customerName = "C", companyIdentifier = tenant.Company, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        created.Str("status").ShouldBe("Active");
        return created.Str("id");
    }

    /// <summary>Polls until <paramref name="found"/> returns a value (no fixed sleeps: as fast as the lane is).</summary>
    internal static async Task<T> EventuallyAsync<T>(Func<Task<T?>> found, string what)
        where T : class
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (await found() is { } value)
            {
                return value;
            }

            await Task.Delay(100);
        }

        throw new ShouldAssertException($"Still waiting after {Patience.TotalSeconds} s for {what}.");
    }

    [Fact]
    public async Task Sync_now_answers_202_with_a_run_the_lane_then_runs()
    {
        var tenant = await onDemand.Sandbox.NewTenantAsync();
        for (var i = 0; i < 3; i++)
        {
            await tenant.AddJobIdAsync($"Magasinier {i}");
        }

        var id = await ConnectAsync(onDemand, tenant);
        var platform = await onDemand.KeyAsync(ApiRole.Platform);

        var response = await platform.PostAsJsonAsync($"/api/v1/connections/{id}/sync", new { kind = "full" });
        var queued = await response.ShouldBeJsonAsync(HttpStatusCode.Accepted);
        var runId = queued.Str("id");
        response.Headers.Location!.OriginalString.ShouldBe($"/api/v1/connections/{id}/sync-runs/{runId}");
        queued.Str("kind").ShouldBe("Full");
        queued.Str("trigger").ShouldStartWith("api:");

        var finished = await EventuallyAsync(async () =>
        {
            var run = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/sync-runs/{runId}"));
            return run.Str("state") == "Finished" ? run : null;
        }, "the queued run to finish");
        finished["complete"]!.GetValue<bool>().ShouldBeTrue();
        finished["created"]!.GetValue<int>().ShouldBe(3);
        finished.Str("node").ShouldNotBeNullOrEmpty();
        var jobs = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/jobs"));
        jobs["items"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Sync_now_explains_what_it_cannot_do()
    {
        var tenant = await onDemand.Sandbox.NewTenantAsync();
        var id = await ConnectAsync(onDemand, tenant);
        var platform = await onDemand.KeyAsync(ApiRole.Platform);

        var bad = await (await platform.PostAsJsonAsync($"/api/v1/connections/{id}/sync", new { kind = "everything" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
        bad["errors"]!["kind"].ShouldNotBeNull();
        (await platform.PostAsJsonAsync($"/api/v1/connections/{Guid.NewGuid()}/sync", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var other = await onDemand.KeyAsync(ApiRole.Platform, Guid.NewGuid());
        (await other.PostAsJsonAsync($"/api/v1/connections/{id}/sync", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a key restricted to other connections sees nothing");

        (await onDemand.Admin().PostAsJsonAsync($"/api/v1/connections/{id}/disconnect", new { reason = "test" })).EnsureSuccessStatusCode();
        var refused = await (await platform.PostAsync($"/api/v1/connections/{id}/sync", null)).ShouldBeJsonAsync(HttpStatusCode.Conflict);
        refused.Str("code").ShouldBe("connection.disconnected");
    }

    [Fact]
    public async Task Asking_twice_while_a_run_waits_returns_the_same_run()
    {
        var tenant = await onDemand.Sandbox.NewTenantAsync();
        var id = new ConnectionId(Guid.Parse(await ConnectAsync(onDemand, tenant)));
        await using var scope = onDemand.Services.CreateAsyncScope();
        var sync = scope.ServiceProvider.GetRequiredService<Core.Jobs.JobSync>();

        // Queued directly (no nudge), so nothing runs it between the two requests.
        var first = await sync.QueueAsync(id, Core.Jobs.SyncKind.Incremental, "test");
        var second = await sync.QueueAsync(id, Core.Jobs.SyncKind.Full, "test");

        second.Id.ShouldBe(first.Id);
        second.Kind.ShouldBe(Core.Jobs.SyncKind.Full, "a full sync asked while an incremental one waits widens it");
    }

    [Fact]
    public async Task A_scheduled_lane_syncs_pauses_on_a_revoked_credential_and_resumes_when_the_secret_is_fixed()
    {
        await using var scheduled = new ScheduledServerFactory();
        var server = scheduled.Server;
        var tenant = await server.Sandbox.NewTenantAsync();
        var job = await tenant.AddJobIdAsync("Préparateur de commandes");
        var id = await ConnectAsync(server, tenant);
        var connectionId = new ConnectionId(Guid.Parse(id));
        var platform = await server.KeyAsync(ApiRole.Platform);

        // The first sync starts by itself, and the schedule goes on with incremental ones.
        await EventuallyAsync(async () => await RunsAsync(server, connectionId, r => r.Kind == Core.Jobs.SyncKind.Full && r.Complete), "the first full sync");
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{job}", new { title = "Préparateur de commandes (H/F)" })).EnsureSuccessStatusCode();
        await EventuallyAsync(async () =>
        {
            var offer = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/jobs/{job}"));
            return offer["job"].Str("title") == "Préparateur de commandes (H/F)" ? offer : null;
        }, "the changed title to arrive by an incremental sync");

        // The customer regenerates the secret in SR: the lane finds out and stops calling SR.
        var regenerated = await SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).EnsureSuccessStatusCode();
        await EventuallyAsync(async () =>
        {
            var connection = await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections/{id}"));
            return connection.Str("status") == "NeedsAttention" && connection.Str("attentionReason") == "CredentialsInvalid" ? connection : null;
        }, "the connection to need attention");
        var paused = await EventuallyAsync(async () =>
            await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections/{id}/lane")) is { } lane
                && lane["pausedBecause"] is not null && !lane["syncing"]!.GetValue<bool>() ? lane : null, "the lane to pause");
        paused.Str("pausedBecause").ShouldContain("CredentialsInvalid");
        paused.Str("node").ShouldNotBeNullOrEmpty();
        var callsWhenPaused = (await tenant.StatsAsync())["requests"]!.GetValue<long>();
        var tokensWhenPaused = (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>();

        // Several of its one-second periods go by: not one call to SR, not even for a token.
        await Task.Delay(TimeSpan.FromSeconds(3));
        (await tenant.StatsAsync())["requests"]!.GetValue<long>().ShouldBe(callsWhenPaused);
        (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>().ShouldBe(tokensWhenPaused);

        // The account manager rotates in the new secret: the lane resumes by itself.
        var fixedAt = TimeProvider.System.GetUtcNow();
        var rotated = await (await server.Admin().PutAsJsonAsync($"/api/v1/connections/{id}/secret", new { clientSecret = regenerated.Str("clientSecret") }))
            .ShouldBeJsonAsync(HttpStatusCode.OK);
        rotated["applied"]!.GetValue<bool>().ShouldBeTrue();
        await EventuallyAsync(async () => await RunsAsync(server, connectionId, r => r.StartedAt > fixedAt && r.Complete), "a complete sync after the fix");
        (await tenant.StatsAsync())["requests"]!.GetValue<long>().ShouldBeGreaterThan(callsWhenPaused);
    }

    [Fact]
    public async Task A_connection_can_have_its_own_sync_intervals_within_sensible_bounds()
    {
        var tenant = await onDemand.Sandbox.NewTenantAsync();
        var id = await ConnectAsync(onDemand, tenant);
        var admin = onDemand.Admin();

        var set = await (await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { syncInterval = "00:15:00", fullSyncInterval = "12:00:00" })).ShouldBeJsonAsync(HttpStatusCode.OK);
        var tooOften = await (await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { syncInterval = "00:00:10" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
        var inverted = await (await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { fullSyncInterval = "00:10:00" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
        var reset = await (await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { syncInterval = "00:00:00", fullSyncInterval = "00:00:00" })).ShouldBeJsonAsync(HttpStatusCode.OK);

        set.Str("syncInterval").ShouldBe("00:15:00");
        set.Str("fullSyncInterval").ShouldBe("12:00:00");
        tooOften["errors"]!["syncInterval"].ShouldNotBeNull();
        inverted["errors"]!["fullSyncInterval"]![0]!.GetValue<string>().ShouldContain("cannot be shorter than the incremental sync interval (00:15:00)");
        reset["syncInterval"].ShouldBeNull("zero returns to the Sync section's default");
        reset["fullSyncInterval"].ShouldBeNull();
    }

    [Theory]
    [InlineData("Cluster:Mode", "Redis", "Database:Provider is Sqlite")]
    [InlineData("Cluster:SiloPort", "70000", "Cluster:SiloPort (70000)")]
    [InlineData("Sync:Interval", "00:00:00", "Sync:Interval must be between 1 second and 1 day")]
    [InlineData("Sync:FullInterval", "00:00:10", "Sync:FullInterval must be at least Sync:Interval")]
    public async Task A_wrong_cluster_or_sync_setting_stops_the_start_with_a_sentence_saying_what_to_set(string key, string value, string expected)
    {
        await using var server = new ServerFactory();
        server.Settings[key] = value;
        server.Settings["Cluster:Redis"] = "127.0.0.1:1";

        var failure = Should.Throw<Exception>(() => server.Services);

        var messages = string.Join(" | ", Flatten(failure).Select(e => e.Message));
        messages.ShouldContain(expected);
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }

    private static async Task<List<Core.Jobs.SyncRun>?> RunsAsync(ServerFactory server, ConnectionId id, Func<Core.Jobs.SyncRun, bool> wanted)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var runs = (await db.SyncRuns.AsNoTracking().Where(r => r.ConnectionId == id && r.State == Core.Jobs.SyncRunState.Finished).ToListAsync()).Where(wanted).ToList();
        return runs.Count > 0 ? runs : null;
    }
}
