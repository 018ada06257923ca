using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Persistence;
using Passerelle.Core.Webhooks;

namespace Passerelle.Core.Tests;

public sealed class WebhookDispatcherTests : IAsyncLifetime
{
    private readonly DatabaseProvider _provider;
    private WebhookHarness _harness = null!;
    private WebhookReceiver _receiver = null!;

    public WebhookDispatcherTests()
        : this(DatabaseProvider.Sqlite)
    {
    }

    /// <summary>For <see cref="WebhookDispatcherOnPostgresTests"/>: the same scenarios on the scale-out database.</summary>
    internal WebhookDispatcherTests(DatabaseProvider provider) => _provider = provider;

    public async Task InitializeAsync()
    {
        _harness = await WebhookHarness.CreateAsync(provider: _provider);
        _receiver = await WebhookReceiver.StartAsync(_harness.Time);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private async Task<(WebhookSubscription Subscription, OutboxEvent Event)> OneEventForAsync(bool paused = false)
    {
        var connection = await _harness.ConnectionAsync();
        var (subscription, secret) = await _harness.SubscribeAsync(_receiver.Url(), paused: paused);
        _receiver.Secret = secret;
        var e = await _harness.EventAsync(connection);
        (await _harness.Dispatcher().FanOutAsync()).Deliveries.ShouldBe(1);
        return (subscription, e);
    }

    [Fact]
    public void A_signature_verifies_and_a_tampered_body_a_wrong_secret_or_an_old_timestamp_does_not()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"e","type":"job.created"}""");
        var now = WebhookHarness.Start;
        var header = WebhookSignature.Create("whsec_right", now.ToUnixTimeSeconds(), body);

        header.ShouldMatch("^t=[0-9]+,v1=[0-9a-f]{64}$");
        WebhookSignature.Verify(header, body, "whsec_right", now, WebhookSignature.DefaultTolerance).ShouldBeTrue();
        ReceiverCheck.IsValid(header, body, "whsec_right", now.ToUnixTimeSeconds()).ShouldBeTrue("the docs' receiver code agrees with the signer");
        var tampered = Encoding.UTF8.GetBytes("""{"id":"e","type":"job.closed"}""");
        WebhookSignature.Verify(header, tampered, "whsec_right", now, WebhookSignature.DefaultTolerance).ShouldBeFalse();
        ReceiverCheck.IsValid(header, tampered, "whsec_right", now.ToUnixTimeSeconds()).ShouldBeFalse();
        WebhookSignature.Verify(header, body, "whsec_wrong", now, WebhookSignature.DefaultTolerance).ShouldBeFalse();
        ReceiverCheck.IsValid(header, body, "whsec_wrong", now.ToUnixTimeSeconds()).ShouldBeFalse();
        WebhookSignature.Verify(header, body, "whsec_right", now.AddMinutes(6), WebhookSignature.DefaultTolerance).ShouldBeFalse("a captured request replayed later is refused");
        WebhookSignature.Verify("t=abc,v1=00", body, "whsec_right", now, WebhookSignature.DefaultTolerance).ShouldBeFalse();
        WebhookSignature.Verify(null, body, "whsec_right", now, WebhookSignature.DefaultTolerance).ShouldBeFalse();
    }

    [Fact]
    public async Task A_receiver_gets_the_signed_envelope_with_its_headers_and_verifies_it_with_its_own_check()
    {
        var (subscription, e) = await OneEventForAsync();

        (await _harness.Dispatcher().DeliverDueAsync()).Delivered.ShouldBe(1);

        var received = _receiver.Received.ShouldHaveSingleItem();
        received.Verified.ShouldBeTrue();
        received.EventId.ShouldBe(e.Id.ToString());
        received.EventType.ShouldBe("job.created");
        received.ContentType.ShouldBe("application/json; charset=utf-8");
        var envelope = JsonNode.Parse(received.Body)!;
        envelope["id"]!.GetValue<Guid>().ShouldBe(e.Id);
        envelope["type"]!.GetValue<string>().ShouldBe("job.created");
        envelope["connectionId"]!.GetValue<Guid>().ShouldBe(e.ConnectionId.Value);
        envelope["occurredAt"]!.GetValue<DateTimeOffset>().ShouldBe(e.OccurredAt);
        envelope["data"]!["jobId"]!.GetValue<string>().ShouldBe("job-1");
        var delivery = (await _harness.DeliveriesAsync(subscription.Id)).ShouldHaveSingleItem();
        received.DeliveryId.ShouldBe(delivery.Id.ToString());
        (delivery.Status, delivery.Attempts, delivery.LastStatusCode, delivery.DeliveredAt).ShouldBe((DeliveryStatus.Delivered, 1, 200, (DateTimeOffset?)_harness.Time.GetUtcNow()));
        delivery.LeaseUntil.ShouldBeNull();

        // With another secret, the receiver's check refuses the same kind of request.
        _receiver.Secret = WebhookSignature.NewSecret();
        await _harness.EventAsync(e.ConnectionId, jobId: "job-2");
        await _harness.Dispatcher().RunOnceAsync();
        _receiver.Received.Last().Verified.ShouldBeFalse();
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_at_growing_intervals_and_delivered_once_it_recovers()
    {
        var answers = new Queue<int>([500, 503, 500, 200]);
        _receiver.Respond = _ => Task.FromResult(answers.Dequeue());
        var (subscription, e) = await OneEventForAsync();
        var gaps = new List<TimeSpan>();

        for (var round = 0; round < 4; round++)
        {
            var before = (await _harness.DeliveriesAsync(subscription.Id)).Single();
            if (round > 0)
            {
                // Nothing is sent before the scheduled time…
                _harness.Time.SetUtcNow(before.NextAttemptAt - TimeSpan.FromSeconds(1));
                (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0);
                // …and the attempt is made once it has come.
                _harness.Time.SetUtcNow(before.NextAttemptAt);
            }

            (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(1);
            var after = (await _harness.DeliveriesAsync(subscription.Id)).Single();
            after.Attempts.ShouldBe(round + 1);
            if (round < 3)
            {
                after.Status.ShouldBe(DeliveryStatus.Pending);
                after.LastStatusCode.ShouldBe(round == 1 ? 503 : 500);
                after.LastError.ShouldBe($"HTTP {after.LastStatusCode}.");
                gaps.Add(after.NextAttemptAt - after.LastAttemptAt!.Value);
            }
            else
            {
                (after.Status, after.LastStatusCode, after.LastError).ShouldBe((DeliveryStatus.Delivered, (int?)200, (string?)null));
            }
        }

        gaps[0].ShouldBeInRange(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12));
        gaps[1].ShouldBeInRange(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(24));
        gaps[2].ShouldBeInRange(TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(48));
        _receiver.Received.Count.ShouldBe(4);
        _receiver.Received.ShouldAllBe(r => r.Verified && r.EventId == e.Id.ToString());
        _receiver.Received.Select(r => Convert.ToBase64String(r.Body)).Distinct().Count().ShouldBe(1, "every attempt sends the same body");
        _receiver.Received.Select(r => r.Signature).Distinct().Count().ShouldBe(4, "each attempt is signed at its own time");
    }

    [Fact]
    public void The_backoff_doubles_from_ten_seconds_with_at_most_a_fifth_of_jitter_and_stops_at_an_hour()
    {
        var (retryBase, cap) = (TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
        WebhookBackoff.Delay(1, retryBase, cap, 0).ShouldBe(TimeSpan.FromSeconds(10));
        WebhookBackoff.Delay(2, retryBase, cap, 0).ShouldBe(TimeSpan.FromSeconds(20));
        WebhookBackoff.Delay(3, retryBase, cap, 0.999).ShouldBeInRange(TimeSpan.FromSeconds(47.9), TimeSpan.FromSeconds(48));
        WebhookBackoff.Delay(9, retryBase, cap, 0).ShouldBe(TimeSpan.FromSeconds(2560));
        WebhookBackoff.Delay(10, retryBase, cap, 0).ShouldBe(cap);
        WebhookBackoff.Delay(500, retryBase, cap, 1).ShouldBe(cap);
    }

    [Fact]
    public async Task A_delivery_is_given_up_24_hours_after_its_creation_and_a_replay_delivers_it_again()
    {
        _receiver.Respond = _ => HttpStatus.Of(HttpStatusCode.ServiceUnavailable);
        var (subscription, e) = await OneEventForAsync();
        var created = (await _harness.DeliveriesAsync(subscription.Id)).Single();

        var rounds = 0;
        WebhookDelivery current;
        while ((current = (await _harness.DeliveriesAsync(subscription.Id)).Single()).Status == DeliveryStatus.Pending)
        {
            rounds++.ShouldBeLessThan(100, "the retries must end");
            _harness.Time.SetUtcNow(current.NextAttemptAt);
            await _harness.Dispatcher().DeliverDueAsync();
        }

        current.Status.ShouldBe(DeliveryStatus.Failed);
        current.LastAttemptAt.ShouldBe(created.CreatedAt + TimeSpan.FromHours(24), "the last attempt is made at the deadline");
        current.Attempts.ShouldBeInRange(30, 40); // about nine attempts in the first 1.5 h, then one an hour.
        current.LastStatusCode.ShouldBe(503);
        _harness.Time.Advance(TimeSpan.FromDays(1));
        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0, "a failed delivery is not retried any more");

        _receiver.Respond = _ => HttpStatus.Of(HttpStatusCode.NoContent);
        await using (var db = _harness.Db())
        {
            db.WebhookDeliveries.Add(WebhookReplay.Of(current, _harness.Time.GetUtcNow()));
            await db.SaveChangesAsync();
        }

        (await _harness.Dispatcher().DeliverDueAsync()).Delivered.ShouldBe(1);
        var replay = (await _harness.DeliveriesAsync(subscription.Id)).Single(d => d.Id != current.Id);
        (replay.ReplayOf, replay.Status, replay.EventId).ShouldBe(((Guid?)current.Id, DeliveryStatus.Delivered, e.Id));
        _receiver.Received.Last().EventId.ShouldBe(e.Id.ToString(), "a replay sends the same event, so receivers can deduplicate it");
        _receiver.Received.Last().DeliveryId.ShouldBe(replay.Id.ToString());
    }

    [Fact]
    public async Task Gone_fails_at_once_and_a_redirect_is_an_unfollowed_failure()
    {
        _receiver.Respond = r => Task.FromResult(r.Path == "/gone" ? 410 : 302);
        var connection = await _harness.ConnectionAsync();
        var (gone, goneSecret) = await _harness.SubscribeAsync(_receiver.Url("/gone"));
        var (moved, _) = await _harness.SubscribeAsync(_receiver.Url("/moved"));
        _receiver.Secret = goneSecret;
        await _harness.EventAsync(connection);

        await _harness.Dispatcher().RunOnceAsync();

        var goneDelivery = (await _harness.DeliveriesAsync(gone.Id)).Single();
        (goneDelivery.Status, goneDelivery.Attempts, goneDelivery.LastStatusCode).ShouldBe((DeliveryStatus.Failed, 1, (int?)410));
        var movedDelivery = (await _harness.DeliveriesAsync(moved.Id)).Single();
        (movedDelivery.Status, movedDelivery.LastStatusCode).ShouldBe((DeliveryStatus.Pending, (int?)302));
        movedDelivery.LastError!.ShouldContain("redirects are not followed");
        _receiver.Received.Select(r => r.Path).ShouldBe(["/gone", "/moved"], ignoreOrder: true);
        goneDelivery.LastError!.ShouldNotContain("receiver-body");
    }

    [Fact]
    public async Task An_unreachable_receiver_is_an_attempt_with_a_short_reason()
    {
        var connection = await _harness.ConnectionAsync();
        // A port that was free a moment ago: nothing listens there.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var (subscription, _) = await _harness.SubscribeAsync(new Uri($"http://127.0.0.1:{port}/hooks?token=not-for-logs"));
        await _harness.EventAsync(connection);

        (await _harness.Dispatcher().RunOnceAsync()).Delivery.Retrying.ShouldBe(1);

        var delivery = (await _harness.DeliveriesAsync(subscription.Id)).Single();
        (delivery.Status, delivery.LastStatusCode).ShouldBe((DeliveryStatus.Pending, (int?)null));
        delivery.LastError.ShouldStartWith("Could not reach the receiver");
        delivery.LastError!.ShouldNotContain("token");
    }

    [Fact]
    public async Task Fan_out_matches_event_types_and_connections_and_never_creates_a_delivery_twice()
    {
        var (a, b) = (await _harness.ConnectionAsync(), await _harness.ConnectionAsync());
        var (all, _) = await _harness.SubscribeAsync(_receiver.Url());
        var (closedOnly, _) = await _harness.SubscribeAsync(_receiver.Url(), types: [EventTypes.JobClosed]);
        var (onlyA, _) = await _harness.SubscribeAsync(_receiver.Url(), connections: [a]);
        var (healthOfB, _) = await _harness.SubscribeAsync(_receiver.Url(), types: [EventTypes.ConnectionHealthChanged], connections: [b]);
        var created = await _harness.EventAsync(a, EventTypes.JobCreated);
        var closed = await _harness.EventAsync(b, EventTypes.JobClosed);
        var health = await _harness.EventAsync(a, EventTypes.ConnectionHealthChanged);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var (late, _) = await _harness.SubscribeAsync(_receiver.Url());

        var first = await _harness.Dispatcher().FanOutAsync();

        first.ShouldBe(new FanOutResult(3, 6));
        (await _harness.DeliveriesAsync(all.Id)).Select(d => d.EventId).ShouldBe([created.Id, closed.Id, health.Id], ignoreOrder: true);
        (await _harness.DeliveriesAsync(closedOnly.Id)).Select(d => d.EventId).ShouldBe([closed.Id]);
        (await _harness.DeliveriesAsync(onlyA.Id)).Select(d => d.EventId).ShouldBe([created.Id, health.Id], ignoreOrder: true);
        (await _harness.DeliveriesAsync(healthOfB.Id)).ShouldBeEmpty();
        (await _harness.DeliveriesAsync(late.Id)).ShouldBeEmpty("events from before a subscription come through a replay, not the fan-out");
        (await _harness.Dispatcher().FanOutAsync()).ShouldBe(new FanOutResult(0, 0));

        // Even an event put back in the outbox by hand gets no second original delivery.
        await using (var db = _harness.Db())
        {
            await db.OutboxEvents.ExecuteUpdateAsync(set => set.SetProperty(e => e.DispatchedAt, (DateTimeOffset?)null));
        }

        (await _harness.Dispatcher().FanOutAsync()).ShouldBe(new FanOutResult(3, 0));
        await using var check = _harness.Db();
        (await check.WebhookDeliveries.CountAsync()).ShouldBe(6);
    }

    [Fact]
    public async Task Two_dispatchers_fanning_out_at_once_create_each_delivery_exactly_once()
    {
        var connection = await _harness.ConnectionAsync();
        var (one, _) = await _harness.SubscribeAsync(_receiver.Url());
        var (two, _) = await _harness.SubscribeAsync(_receiver.Url());
        for (var i = 0; i < 60; i++)
        {
            await _harness.EventAsync(connection, jobId: $"job-{i}");
        }

        var gate = new RaceGate(2);
        var first = _harness.RacingDispatcher(gate);
        var second = _harness.RacingDispatcher(gate);

        var results = await Task.WhenAll(Task.Run(() => first.FanOutAsync()), Task.Run(() => second.FanOutAsync()));
        var claimed = results.Select(r => r.Events).ToArray();

        claimed.Sum().ShouldBe(60, "each event is claimed by exactly one of them, though both read all 60");
        foreach (var subscription in new[] { one, two })
        {
            var deliveries = await _harness.DeliveriesAsync(subscription.Id);
            deliveries.Count.ShouldBe(60);
            deliveries.Select(d => d.EventId).Distinct().Count().ShouldBe(60);
        }
    }

    [Fact]
    public async Task Two_dispatchers_that_read_the_same_due_deliveries_send_each_one_once()
    {
        var connection = await _harness.ConnectionAsync();
        var (subscription, secret) = await _harness.SubscribeAsync(_receiver.Url());
        _receiver.Secret = secret;
        for (var i = 0; i < 10; i++)
        {
            await _harness.EventAsync(connection, jobId: $"job-{i}");
        }

        await _harness.Dispatcher().FanOutAsync();
        var gate = new RaceGate(2);
        var first = _harness.RacingDispatcher(gate);
        var second = _harness.RacingDispatcher(gate);

        var rounds = await Task.WhenAll(Task.Run(() => first.DeliverDueAsync()), Task.Run(() => second.DeliverDueAsync()));

        rounds.Sum(r => r.Delivered).ShouldBe(10);
        _receiver.Received.Count.ShouldBe(10);
        _receiver.Received.Select(r => r.DeliveryId).Distinct().Count().ShouldBe(10);
        (await _harness.DeliveriesAsync(subscription.Id)).ShouldAllBe(d => d.Status == DeliveryStatus.Delivered && d.Attempts == 1);
    }

    [Fact]
    public async Task A_delivery_leased_by_one_dispatcher_is_not_sent_by_another_until_its_lease_expires()
    {
        var (subscription, _) = await OneEventForAsync();
        var inFlight = new TaskCompletionSource();
        var release = new TaskCompletionSource<int>();
        _receiver.Respond = async _ =>
        {
            inFlight.TrySetResult();
            return await release.Task;
        };

        var first = _harness.Dispatcher().DeliverDueAsync();
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));
        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0, "the other node sees the lease");
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0, "the lease still holds a minute later");
        release.SetResult(200);
        (await first).Delivered.ShouldBe(1);

        _harness.Time.Advance(TimeSpan.FromHours(1));
        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0);
        _receiver.Received.Count.ShouldBe(1);
        (await _harness.DeliveriesAsync(subscription.Id)).Single().Status.ShouldBe(DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task A_paused_subscription_keeps_its_deliveries_waiting_and_resumes_in_order()
    {
        var (subscription, first) = await OneEventForAsync(paused: true);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await _harness.EventAsync(first.ConnectionId, jobId: "job-2");
        await _harness.Dispatcher().FanOutAsync();

        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0);
        _harness.Time.Advance(TimeSpan.FromHours(30));
        (await _harness.Dispatcher().DeliverDueAsync()).Attempted.ShouldBe(0);
        await using (var db = _harness.Db())
        {
            await db.WebhookSubscriptions.Where(s => s.Id == subscription.Id).ExecuteUpdateAsync(set => set.SetProperty(s => s.IsPaused, false));
        }

        (await _harness.Dispatcher().DeliverDueAsync()).Delivered.ShouldBe(2, "a resumed subscription gets what waited, even after 24 h");
        _receiver.Received.Select(r => r.EventId).ShouldBe([first.Id.ToString(), second.Id.ToString()]);
    }

    [Fact]
    public async Task A_receiver_that_is_down_with_a_backlog_gets_one_request_per_backoff_step_and_does_not_hold_up_the_others()
    {
        _receiver.Respond = r => Task.FromResult(r.Path == "/down" ? 503 : 200);
        var (a, b) = (await _harness.ConnectionAsync(), await _harness.ConnectionAsync());
        var (down, _) = await _harness.SubscribeAsync(_receiver.Url("/down"), connections: [a]);
        var (up, _) = await _harness.SubscribeAsync(_receiver.Url("/up"), connections: [b]);
        for (var i = 0; i < 150; i++)
        {
            await _harness.EventAsync(a, jobId: $"job-{i}");
        }

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.EventAsync(b);
        while ((await _harness.Dispatcher().FanOutAsync()).Events > 0)
        {
        }

        // The healthy subscription's one event is newer than the whole backlog, and BatchSize is 100.
        await _harness.Dispatcher().DeliverDueAsync();

        (await _harness.DeliveriesAsync(up.Id)).Single().Status.ShouldBe(DeliveryStatus.Delivered, "a healthy subscription is served in the first round");
        _receiver.Received.Count(r => r.Path == "/down").ShouldBe(1);

        // Rounds every 2 s for 10 minutes: the down receiver is called only when its oldest delivery's retry is due.
        for (var round = 0; round < 300; round++)
        {
            _harness.Time.Advance(TimeSpan.FromSeconds(2));
            await _harness.Dispatcher().DeliverDueAsync();
        }

        var deliveries = await _harness.DeliveriesAsync(down.Id);
        var head = deliveries.Single(d => d.Attempts > 0);
        var calls = _receiver.Received.Where(r => r.Path == "/down").ToList();
        calls.ShouldAllBe(r => r.DeliveryId == head.Id.ToString(), "only the oldest delivery is tried while the receiver is down");
        calls.Count.ShouldBe(head.Attempts);
        head.Attempts.ShouldBeInRange(5, 7); // 10 s, 20 s, 40 s, 80 s, 160 s, 320 s (+ up to 20 %) in 600 s.
        deliveries.Where(d => d.Id != head.Id).ShouldAllBe(d => d.Status == DeliveryStatus.Pending && d.Attempts == 0 && d.NextAttemptAt >= head.NextAttemptAt,
            "the rest wait for the oldest one's next attempt");

        // Once the receiver is back, the backlog drains, a capped share per round.
        _receiver.Respond = _ => Task.FromResult(200);
        _harness.Time.SetUtcNow(head.NextAttemptAt);
        for (var round = 0; round < 40 && (await _harness.DeliveriesAsync(down.Id)).Any(d => d.Status == DeliveryStatus.Pending); round++)
        {
            var result = await _harness.Dispatcher().DeliverDueAsync();
            result.Attempted.ShouldBeLessThanOrEqualTo(10, "one subscription gets at most Lease / Timeout sends per round");
        }

        (await _harness.DeliveriesAsync(down.Id)).ShouldAllBe(d => d.Status == DeliveryStatus.Delivered);
        _receiver.Received.Where(r => r.Path == "/down").Select(r => r.DeliveryId).Distinct().Count().ShouldBe(150);
    }

    [Fact]
    public async Task Deliveries_held_back_behind_a_failing_one_fail_with_it_once_their_window_has_passed()
    {
        _receiver.Respond = _ => HttpStatus.Of(HttpStatusCode.ServiceUnavailable);
        var connection = await _harness.ConnectionAsync();
        var (subscription, _) = await _harness.SubscribeAsync(_receiver.Url());
        for (var i = 0; i < 3; i++)
        {
            await _harness.EventAsync(connection, jobId: $"job-{i}");
        }

        await _harness.Dispatcher().FanOutAsync();
        for (var rounds = 0; (await _harness.DeliveriesAsync(subscription.Id)).Any(d => d.Status == DeliveryStatus.Pending); rounds++)
        {
            rounds.ShouldBeLessThan(100, "the retries must end");
            var next = (await _harness.DeliveriesAsync(subscription.Id)).Where(d => d.Status == DeliveryStatus.Pending).Min(d => d.NextAttemptAt);
            _harness.Time.SetUtcNow(next > _harness.Time.GetUtcNow() ? next : _harness.Time.GetUtcNow());
            await _harness.Dispatcher().DeliverDueAsync();
        }

        var deliveries = await _harness.DeliveriesAsync(subscription.Id);
        var head = deliveries.Single(d => d.Attempts > 0);
        _receiver.Received.ShouldAllBe(r => r.DeliveryId == head.Id.ToString());
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Failed);
        deliveries.Where(d => d.Id != head.Id).ShouldAllBe(d => d.Attempts == 0 && d.LastError!.StartsWith("Not sent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_slow_receiver_gets_only_what_fits_in_the_lease_and_each_outcome_is_recorded_as_it_comes()
    {
        var connection = await _harness.ConnectionAsync();
        var (subscription, _) = await _harness.SubscribeAsync(_receiver.Url());
        for (var i = 0; i < 20; i++)
        {
            await _harness.EventAsync(connection, jobId: $"job-{i}");
        }

        await _harness.Dispatcher().FanOutAsync();
        var leaseEnd = _harness.Time.GetUtcNow() + TimeSpan.FromMinutes(2);
        var sentAt = new ConcurrentQueue<DateTimeOffset>();
        var recordedBefore = new ConcurrentQueue<int>();
        var otherNode = 0;
        _receiver.Respond = async _ =>
        {
            sentAt.Enqueue(_harness.Time.GetUtcNow());
            await using (var db = _harness.Db())
            {
                recordedBefore.Enqueue(await db.WebhookDeliveries.CountAsync(d => d.Status == DeliveryStatus.Delivered));
            }

            // Each answer takes 15 s; once the first node's lease is over, another node runs a round.
            _harness.Time.Advance(TimeSpan.FromSeconds(15));
            if (_harness.Time.GetUtcNow() >= leaseEnd && Interlocked.Exchange(ref otherNode, 1) == 0)
            {
                await _harness.Dispatcher().DeliverDueAsync();
            }

            return 200;
        };

        var first = await _harness.Dispatcher().DeliverDueAsync();

        first.Delivered.ShouldBe(first.Attempted);
        first.Attempted.ShouldBeInRange(1, 10);
        sentAt.ShouldAllBe(t => leaseEnd - t >= TimeSpan.FromSeconds(10), "a request is sent only while one timeout of the lease is left");
        recordedBefore.ShouldBe(Enumerable.Range(0, first.Attempted), "each outcome is written before the next request");
        var released = (await _harness.DeliveriesAsync(subscription.Id)).Where(d => d.Status == DeliveryStatus.Pending).ToList();
        released.Count.ShouldBe(20 - first.Attempted);
        released.ShouldAllBe(d => d.Attempts == 0 && d.LeaseUntil == null, "what did not fit is released, not attempted");

        for (var round = 0; round < 10 && (await _harness.DeliveriesAsync(subscription.Id)).Any(d => d.Status == DeliveryStatus.Pending); round++)
        {
            await _harness.Dispatcher().DeliverDueAsync();
        }

        _receiver.Received.Count.ShouldBe(20, "no delivery is sent twice");
        _receiver.Received.Select(r => r.DeliveryId).Distinct().Count().ShouldBe(20);
        (await _harness.DeliveriesAsync(subscription.Id)).ShouldAllBe(d => d.Status == DeliveryStatus.Delivered && d.Attempts == 1);
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_a_private_address_is_refused_at_connect_time()
    {
        await using var strict = await WebhookHarness.CreateAsync(allowPrivateNetworks: false);
        var connection = await strict.ConnectionAsync();
        var (subscription, _) = await strict.SubscribeAsync(new Uri($"http://localhost:{_receiver.Url().Port}/hooks"));
        await strict.EventAsync(connection);

        (await strict.Dispatcher().RunOnceAsync()).Delivery.Retrying.ShouldBe(1);

        _receiver.Received.ShouldBeEmpty("the request never reaches a loopback receiver");
        var delivery = (await strict.DeliveriesAsync(subscription.Id)).Single();
        (delivery.Status, delivery.Attempts, delivery.LastStatusCode).ShouldBe((DeliveryStatus.Pending, 1, (int?)null));
        delivery.LastError.ShouldBe("The receiver's address is not public.");
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("2a00:1450:4007:80e::200e", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.127.255.255", false)]
    [InlineData("100.128.0.1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("2002:c0a8:0101::1", false)]
    public void Only_public_addresses_are_public(string address, bool expected) =>
        WebhookAddresses.IsPublic(IPAddress.Parse(address)).ShouldBe(expected);
}

/// <summary>
/// The dispatcher's claims, leases and backoff on PostgreSQL (several nodes share it in production): the scenarios
/// of <see cref="WebhookDispatcherTests"/> that depend on the database, run against it. Skipped without
/// <c>PASSERELLE_TEST_POSTGRES</c> (test.sh sets it).
/// </summary>
public sealed class WebhookDispatcherOnPostgresTests
{
    [SkippableFact]
    public Task Retries_grow_and_end_in_delivery_on_postgres() => RunAsync(t => t.A_failing_receiver_is_retried_at_growing_intervals_and_delivered_once_it_recovers());

    [SkippableFact]
    public Task Give_up_and_replay_on_postgres() => RunAsync(t => t.A_delivery_is_given_up_24_hours_after_its_creation_and_a_replay_delivers_it_again());

    [SkippableFact]
    public Task Racing_fan_outs_on_postgres() => RunAsync(t => t.Two_dispatchers_fanning_out_at_once_create_each_delivery_exactly_once());

    [SkippableFact]
    public Task Racing_deliveries_on_postgres() => RunAsync(t => t.Two_dispatchers_that_read_the_same_due_deliveries_send_each_one_once());

    [SkippableFact]
    public Task Leases_on_postgres() => RunAsync(t => t.A_delivery_leased_by_one_dispatcher_is_not_sent_by_another_until_its_lease_expires());

    [SkippableFact]
    public Task A_down_receiver_with_a_backlog_on_postgres() => RunAsync(t => t.A_receiver_that_is_down_with_a_backlog_gets_one_request_per_backoff_step_and_does_not_hold_up_the_others());

    [SkippableFact]
    public Task A_slow_receiver_and_its_lease_on_postgres() => RunAsync(t => t.A_slow_receiver_gets_only_what_fits_in_the_lease_and_each_outcome_is_recorded_as_it_comes());

    private static async Task RunAsync(Func<WebhookDispatcherTests, Task> scenario)
    {
        Skip.If(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable)), $"{TestDatabase.PostgresVariable} is not set: run ./test.sh for the PostgreSQL cases.");
        var tests = new WebhookDispatcherTests(DatabaseProvider.Postgres);
        await tests.InitializeAsync();
        try
        {
            await scenario(tests);
        }
        finally
        {
            await tests.DisposeAsync();
        }
    }
}
