using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Webhooks;
using Passerelle.Server.Webhooks;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>What the receiver got, and whether the signature verified with the secret it was given.</summary>
public sealed record ServerReceived(string Path, string? EventId, string? DeliveryId, bool Verified);

/// <summary>
/// The receiver behind the server's "Webhooks" HttpClient: nothing leaves the process. It checks each signature
/// with <see cref="Secret"/> and answers with <see cref="Respond"/>.
/// </summary>
public sealed class RecordingReceiver : HttpMessageHandler
{
    public string Secret { get; set; } = "";

    public Func<string, HttpStatusCode> Respond { get; set; } = _ => HttpStatusCode.OK;

    public ConcurrentQueue<ServerReceived> Received { get; } = new();

    /// <summary>The bodies received, in order (for tests that read the events themselves).</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        var signature = request.Headers.TryGetValues(WebhookSignature.HeaderName, out var values) ? values.Single() : null;
        var path = request.RequestUri!.AbsolutePath;
        Bodies.Enqueue(System.Text.Encoding.UTF8.GetString(body));
        Received.Enqueue(new ServerReceived(path, request.Headers.GetValues(WebhookDispatcher.EventIdHeader).Single(),
            request.Headers.GetValues(WebhookDispatcher.DeliveryIdHeader).Single(),
            WebhookSignature.Verify(signature, body, Secret, TimeProvider.System.GetUtcNow(), WebhookSignature.DefaultTolerance)));
        return new HttpResponseMessage(Respond(path)) { Content = new StringContent("receiver body, never stored") };
    }
}

/// <summary>
/// The server with the receiver plugged into the "Webhooks" HttpClient and without the dispatcher worker, so each
/// test runs the dispatcher itself and sees every step.
/// </summary>
public sealed class WebhookServer : IAsyncDisposable
{
    private readonly ServerFactory _factory = new();

    /// <param name="allowPrivateNetworks">Sets <c>Webhooks:AllowPrivateNetworks</c> (off by default, as in production).</param>
    public WebhookServer(bool allowPrivateNetworks = false)
    {
        if (allowPrivateNetworks)
        {
            _factory.Settings["Webhooks:AllowPrivateNetworks"] = "true";
        }

        App = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var worker = services.Single(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(WebhookDispatcherWorker));
            services.Remove(worker);
            services.AddHttpClient(WebhookDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Receiver);
        }));
    }

    public RecordingReceiver Receiver { get; } = new();

    public WebApplicationFactory<PasserelleServer> App { get; }

    /// <summary>The key the server wrote at first start (started here if it has not yet).</summary>
    public HttpClient Admin()
    {
        _ = App.Services;
        return Client(File.ReadAllText(Path.Combine(_factory.DataDirectory, "bootstrap-admin-key.txt")).Trim());
    }

    public Task<HttpClient> KeyAsync(ApiRole role, params Guid[] connections) => ServerFactory.KeyAsync(App, role, connections);

    public PasserelleDbContext Db() => App.Services.CreateScope().ServiceProvider.GetRequiredService<PasserelleDbContext>();

    public async Task<Guid> ConnectionAsync()
    {
        _ = App.Services;
        await using var db = Db();
        var connection = new Connection
        {
            DisplayName = $"Hooks {Guid.NewGuid():N}", CustomerName = "C", CompanyIdentifier = "C", ClientId = "client", BaseUrl = "https://api.smartrecruiters.com",
            Status = ConnectionStatus.Active, CreatedBy = "test", UpdatedBy = "test", CreatedAt = TimeProvider.System.GetUtcNow(), UpdatedAt = TimeProvider.System.GetUtcNow(),
        };
        db.Connections.Add(connection);
        await db.SaveChangesAsync();
        return connection.Id.Value;
    }

    /// <summary>An event as job sync writes it.</summary>
    public async Task<Guid> EventAsync(Guid connection, string type = EventTypes.JobUpdated)
    {
        await using var db = Db();
        var e = new OutboxEvent
        {
            ConnectionId = new ConnectionId(connection), Type = type, OccurredAt = TimeProvider.System.GetUtcNow(),
            Payload = $$"""{"connectionId":"{{connection}}","jobId":"job-1","title":"Cariste","closed":false,"postings":[]}""",
        };
        db.OutboxEvents.Add(e);
        await db.SaveChangesAsync();
        return e.Id;
    }

    public async Task<(FanOutResult FanOut, DeliveryRound Delivery)> DispatchAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().RunOnceAsync();
    }

    public async Task FanOutAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().FanOutAsync();
    }

    private HttpClient Client(string key)
    {
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _factory.DisposeAsync();
    }
}

/// <summary>A server per test: each test sees only its own deliveries and receiver.</summary>
public sealed class WebhookApiTests : IAsyncDisposable
{
    private const string Hooks = "/api/v1/webhook-subscriptions";
    private readonly WebhookServer _server = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient admin, object body)
    {
        var created = await (await admin.PostAsJsonAsync(Hooks, body)).ShouldBeJsonAsync(HttpStatusCode.Created);
        return (created["subscription"].Str("id"), created.Str("secret"));
    }

    [Fact]
    public async Task Only_admin_keys_manage_webhook_subscriptions()
    {
        var platform = await _server.KeyAsync(ApiRole.Platform);
        var (id, _) = await SubscribeAsync(_server.Admin(), new { url = "https://hooks.example.test/passerelle" });

        (await platform.GetAsync(Hooks)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await platform.PostAsJsonAsync(Hooks, new { url = "https://hooks.example.test/x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await platform.GetAsync($"{Hooks}/{id}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await platform.PostAsync($"{Hooks}/{id}/rotate-secret", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _server.App.CreateClient().GetAsync(Hooks)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_secret_is_shown_once_signs_every_delivery_and_a_rotation_replaces_it_at_once()
    {
        var admin = _server.Admin();
        var connection = await _server.ConnectionAsync();
        var created = await (await admin.PostAsJsonAsync(Hooks, new { url = "https://hooks.example.test/passerelle", description = "production" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var (id, secret) = (created["subscription"].Str("id"), created.Str("secret"));
        secret.ShouldStartWith("whsec_");
        created.Str("note").ShouldContain("shown only in this answer");
        var shown = (await admin.GetStringAsync($"{Hooks}/{id}")) + await admin.GetStringAsync(Hooks);
        shown.ShouldNotContain(secret);
        shown.ShouldNotContain("secret", Case.Insensitive);

        _server.Receiver.Secret = secret;
        var first = await _server.EventAsync(connection);
        (await _server.DispatchAsync()).Delivery.Delivered.ShouldBe(1);
        _server.Receiver.Received.Single().ShouldBe(_server.Receiver.Received.Single() with { EventId = first.ToString(), Verified = true });

        var rotated = await (await admin.PostAsync($"{Hooks}/{id}/rotate-secret", null)).ShouldBeJsonAsync(HttpStatusCode.OK);
        var newSecret = rotated.Str("secret");
        newSecret.ShouldNotBe(secret);
        await _server.EventAsync(connection);
        await _server.DispatchAsync();
        _server.Receiver.Received.Last().Verified.ShouldBeFalse("the old secret no longer verifies");
        _server.Receiver.Secret = newSecret;
        await _server.EventAsync(connection);
        await _server.DispatchAsync();
        _server.Receiver.Received.Last().Verified.ShouldBeTrue();
        (await admin.GetStringAsync($"{Hooks}/{id}")).ShouldNotContain(newSecret);
    }

    [Fact]
    public async Task Bad_subscriptions_are_refused_with_a_code_and_the_field_to_fix()
    {
        var admin = _server.Admin();
        var connection = await _server.ConnectionAsync();

        async Task<JsonNode> RefusedAsync(object body, string field)
        {
            var problem = await (await admin.PostAsJsonAsync(Hooks, body)).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
            problem.Str("code").ShouldBe("validation_failed");
            problem["errors"]![field].ShouldNotBeNull(problem.ToJsonString());
            return problem;
        }

        await RefusedAsync(new { }, "url");
        await RefusedAsync(new { url = "http://hooks.example.test/plain" }, "url");
        await RefusedAsync(new { url = "ftp://hooks.example.test/x" }, "url");
        await RefusedAsync(new { url = "/relative" }, "url");
        await RefusedAsync(new { url = "https://user:pass@hooks.example.test/x" }, "url");
        await RefusedAsync(new { url = "https://hooks.example.test/x", eventTypes = new[] { "job.deleted" } }, "eventTypes");
        await RefusedAsync(new { url = "https://hooks.example.test/x", connectionIds = new[] { Guid.NewGuid() } }, "connectionIds");
        await RefusedAsync(new { url = "https://hooks.example.test/x", description = new string('d', 501) }, "description");
        (await (await admin.PostAsJsonAsync(Hooks, new { url = "https://hooks.example.test/x", secret = "mine" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest))
            .Str("code").ShouldBe("request.malformed");

        var (id, _) = await SubscribeAsync(admin, new { url = "https://hooks.example.test/closed", eventTypes = new[] { "job.closed" }, connectionIds = new[] { connection } });
        (await (await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { url = "http://10.0.0.1/hooks" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest))["errors"]!["url"].ShouldNotBeNull();
        (await (await admin.GetAsync($"{Hooks}/{Guid.NewGuid()}")).ShouldBeJsonAsync(HttpStatusCode.NotFound)).Str("code").ShouldBe("not_found");
        (await (await admin.GetAsync($"{Hooks}/{id}/deliveries?cursor=nonsense")).ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldBe("webhooks.bad_cursor");
        (await (await admin.GetAsync($"{Hooks}/{id}/deliveries?status=lost")).ShouldBeJsonAsync(HttpStatusCode.BadRequest))["errors"]!["status"].ShouldNotBeNull();
        (await (await admin.PostAsJsonAsync($"{Hooks}/{id}/replay", new { since = TimeProvider.System.GetUtcNow().AddDays(1) }))
            .ShouldBeJsonAsync(HttpStatusCode.BadRequest))["errors"]!["since"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Patch_changes_pauses_and_resumes_and_delete_removes_the_subscription()
    {
        var admin = _server.Admin();
        var connection = await _server.ConnectionAsync();
        var (id, secret) = await SubscribeAsync(admin, new { url = "https://hooks.example.test/one" });
        _server.Receiver.Secret = secret;

        var paused = await (await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { paused = true, url = "https://hooks.example.test/two", eventTypes = new[] { "job.updated" } }))
            .ShouldBeJsonAsync(HttpStatusCode.OK);
        (paused["paused"]!.GetValue<bool>(), paused.Str("url")).ShouldBe((true, "https://hooks.example.test/two"));
        await _server.EventAsync(connection);
        (await _server.DispatchAsync()).Delivery.Attempted.ShouldBe(0, "a paused subscription's deliveries wait");
        await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { paused = false });
        (await _server.DispatchAsync()).Delivery.Delivered.ShouldBe(1);
        _server.Receiver.Received.Single().Path.ShouldBe("/two");

        (await admin.DeleteAsync($"{Hooks}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.GetAsync($"{Hooks}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await _server.EventAsync(connection);
        (await _server.DispatchAsync()).FanOut.Deliveries.ShouldBe(0);
    }

    [Fact]
    public async Task A_restricted_admin_subscribes_only_to_its_connections_and_sees_only_those_subscriptions()
    {
        var (mine, other) = (await _server.ConnectionAsync(), await _server.ConnectionAsync());
        var restricted = await _server.KeyAsync(ApiRole.Admin, mine);
        var (everything, _) = await SubscribeAsync(_server.Admin(), new { url = "https://hooks.example.test/all" });

        (await (await restricted.PostAsJsonAsync(Hooks, new { url = "https://hooks.example.test/r" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest))["errors"]!["connectionIds"]
            .ShouldNotBeNull("without a list it would mean every connection");
        (await restricted.PostAsJsonAsync(Hooks, new { url = "https://hooks.example.test/r", connectionIds = new[] { mine, other } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var (own, _) = await SubscribeAsync(restricted, new { url = "https://hooks.example.test/r", connectionIds = new[] { mine } });

        (await restricted.GetAsync($"{Hooks}/{everything}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await restricted.DeleteAsync($"{Hooks}/{everything}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await restricted.PatchAsJsonAsync($"{Hooks}/{own}", new { connectionIds = Array.Empty<Guid>() })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var listed = await SandboxFactory.ReadAsync(await restricted.GetAsync(Hooks));
        listed.AsArray().Select(s => s.Str("id")).ShouldBe([own]);
    }

    [Fact]
    public async Task The_delivery_log_pages_newest_first_shows_failed_attempts_and_replays_queue_new_deliveries()
    {
        var admin = _server.Admin();
        var connection = await _server.ConnectionAsync();
        var (id, secret) = await SubscribeAsync(admin, new { url = "https://hooks.example.test/log" });
        _server.Receiver.Secret = secret;
        _server.Receiver.Respond = _ => HttpStatusCode.InternalServerError;
        var events = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            // One fan-out per event: deliveries made in the same round are of the same age, and the log cannot order them.
            events.Add(await _server.EventAsync(connection));
            await _server.FanOutAsync();
        }

        await _server.DispatchAsync();

        // One attempt for the whole subscription: the rest of its batch waits for the next round.
        _server.Receiver.Received.Count.ShouldBe(1);
        var all = await (await admin.GetAsync($"{Hooks}/{id}/deliveries")).ShouldBeJsonAsync(HttpStatusCode.OK);
        all["items"]!.AsArray().Select(d => d!["eventId"]!.GetValue<Guid>()).ShouldBe(Enumerable.Reverse(events), "newest first");
        var attempted = all["items"]!.AsArray().Single(d => d!["attempts"]!.GetValue<int>() == 1)!;
        (attempted.Str("status"), attempted["lastStatusCode"]!.GetValue<int>(), attempted.Str("lastError")).ShouldBe(("pending", 500, "HTTP 500."));
        attempted["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(attempted["lastAttemptAt"]!.GetValue<DateTimeOffset>());
        all.ToJsonString().ShouldNotContain("receiver body");

        var page = await (await admin.GetAsync($"{Hooks}/{id}/deliveries?limit=2")).ShouldBeJsonAsync(HttpStatusCode.OK);
        page["items"]!.AsArray().Count.ShouldBe(2);
        var rest = await (await admin.GetAsync($"{Hooks}/{id}/deliveries?limit=2&cursor={page.Str("nextCursor")}")).ShouldBeJsonAsync(HttpStatusCode.OK);
        rest["items"]!.AsArray().Single()!["eventId"]!.GetValue<Guid>().ShouldBe(events[0]);
        rest["nextCursor"].ShouldBeNull();

        var pendingId = attempted.Str("id");
        (await (await admin.PostAsync($"{Hooks}/{id}/deliveries/{pendingId}/replay", null)).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("webhooks.delivery_pending");

        // The receiver says the endpoint is gone: the attempted delivery fails at once.
        _server.Receiver.Respond = _ => HttpStatusCode.Gone;
        await using (var db = _server.Db())
        {
            await db.WebhookDeliveries.Where(d => d.Id == Guid.Parse(pendingId)).ExecuteUpdateAsync(set => set.SetProperty(d => d.NextAttemptAt, DateTimeOffset.UnixEpoch));
        }

        await _server.DispatchAsync();
        var failed = await (await admin.GetAsync($"{Hooks}/{id}/deliveries?status=failed")).ShouldBeJsonAsync(HttpStatusCode.OK);
        failed["items"]!.AsArray().Select(d => d.Str("id")).ShouldContain(pendingId);

        _server.Receiver.Respond = _ => HttpStatusCode.OK;
        var replay = await (await admin.PostAsync($"{Hooks}/{id}/deliveries/{pendingId}/replay", null)).ShouldBeJsonAsync(HttpStatusCode.Accepted);
        (replay.Str("replayOf"), replay.Str("status")).ShouldBe((pendingId, "pending"));
        await _server.DispatchAsync();
        _server.Receiver.Received.ShouldContain(r => r.DeliveryId == replay.Str("id") && r.Verified);

        var since = await (await admin.PostAsJsonAsync($"{Hooks}/{id}/replay", new { since = TimeProvider.System.GetUtcNow().AddHours(-1) })).ShouldBeJsonAsync(HttpStatusCode.Accepted);
        since["queued"]!.GetValue<int>().ShouldBe(3);
        var pending = await (await admin.GetAsync($"{Hooks}/{id}/deliveries?status=pending")).ShouldBeJsonAsync(HttpStatusCode.OK);
        pending["items"]!.AsArray().Where(d => d!["replayOf"] is not null).Count().ShouldBeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public async Task A_bad_poll_interval_stops_the_start_with_a_line_that_quotes_it()
    {
        await using var factory = new ServerFactory();
        await using var bad = factory.WithWebHostBuilder(builder => builder.UseSetting("Webhooks:PollInterval", "00:00:00"));

        var failure = Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => bad.CreateClient());

        failure.Message.ShouldContain("Webhooks:PollInterval is 00:00:00");
    }

    [Fact]
    public async Task A_url_to_a_private_loopback_or_link_local_address_is_refused_with_its_own_code()
    {
        var admin = _server.Admin();
        string[] refused =
        [
            "https://10.0.0.5/hooks", "https://172.20.1.1/hooks", "https://192.168.1.10/hooks", "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/hooks", "https://[fd00::1]/hooks", "https://[fe80::1]/hooks", "https://[::1]/hooks", "https://127.0.0.1/hooks",
            "https://0.0.0.0/hooks", "https://localhost/hooks", "https://api.localhost/hooks", "http://127.0.0.1:8089/hooks", "http://localhost:8089/hooks",
        ];
        foreach (var url in refused)
        {
            var problem = await (await admin.PostAsJsonAsync(Hooks, new { url })).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
            problem.Str("code").ShouldBe("webhooks.url_not_public", url);
            problem.Str("detail").ShouldContain("public HTTPS URL");
        }

        var (id, _) = await SubscribeAsync(admin, new { url = "https://93.184.215.14/hooks" });
        (await (await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { url = "https://169.254.169.254/latest" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest))
            .Str("code").ShouldBe("webhooks.url_not_public");
        (await admin.GetStringAsync($"{Hooks}/{id}")).ShouldContain("93.184.215.14");
    }

    [Fact]
    public async Task With_private_networks_allowed_an_on_premise_or_local_receiver_may_be_subscribed_but_plain_http_only_to_this_machine()
    {
        await using var onPremise = new WebhookServer(allowPrivateNetworks: true);
        var admin = onPremise.Admin();

        await SubscribeAsync(admin, new { url = "http://127.0.0.1:8089/hooks" });
        await SubscribeAsync(admin, new { url = "http://localhost:8089/hooks" });
        await SubscribeAsync(admin, new { url = "https://10.0.0.5/hooks" });
        var problem = await (await admin.PostAsJsonAsync(Hooks, new { url = "http://10.0.0.5/hooks" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
        (problem.Str("code"), problem["errors"]!["url"] is not null).ShouldBe(("validation_failed", true));
    }

    [Fact]
    public async Task A_bad_allow_private_networks_value_stops_the_start()
    {
        await using var factory = new ServerFactory();
        await using var bad = factory.WithWebHostBuilder(builder => builder.UseSetting("Webhooks:AllowPrivateNetworks", "sometimes"));

        var failure = Should.Throw<Exception>(() => bad.CreateClient());

        failure.ToString().ShouldContain("Webhooks:AllowPrivateNetworks");
    }

    [Fact]
    public async Task Resuming_a_subscription_paused_for_longer_than_the_retry_window_gives_its_deliveries_their_window_back()
    {
        var admin = _server.Admin();
        var connection = await _server.ConnectionAsync();
        var (id, secret) = await SubscribeAsync(admin, new { url = "https://hooks.example.test/paused" });
        _server.Receiver.Secret = secret;
        _server.Receiver.Respond = _ => HttpStatusCode.ServiceUnavailable;
        (await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { paused = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await _server.EventAsync(connection);
        await _server.FanOutAsync();

        // Thirty hours of pause, as the database sees it: the delivery was created before the last 24 h.
        var longAgo = TimeProvider.System.GetUtcNow().AddHours(-30);
        await using (var db = _server.Db())
        {
            await db.WebhookDeliveries.Where(d => d.SubscriptionId == Guid.Parse(id)).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.CreatedAt, longAgo).SetProperty(d => d.NextAttemptAt, longAgo));
        }

        (await admin.PatchAsJsonAsync($"{Hooks}/{id}", new { paused = false })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _server.DispatchAsync()).Delivery.Retrying.ShouldBe(1, "the first attempt after the pause is not the last");

        var delivery = (await (await admin.GetAsync($"{Hooks}/{id}/deliveries")).ShouldBeJsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Single()!;
        (delivery.Str("status"), delivery["attempts"]!.GetValue<int>()).ShouldBe(("pending", 1));
        delivery["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(delivery["lastAttemptAt"]!.GetValue<DateTimeOffset>());
    }
}
