using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;

namespace Passerelle.Core.Webhooks;

/// <summary>What one fan-out round did: events taken from the outbox and deliveries created for them.</summary>
public sealed record FanOutResult(int Events, int Deliveries);

/// <summary>What one delivery round did; <paramref name="MoreDue"/> when due deliveries were left for the next round.</summary>
public sealed record DeliveryRound(int Attempted, int Delivered, int Retrying, int Failed, bool MoreDue = false)
{
    public static readonly DeliveryRound None = new(0, 0, 0, 0);
}

/// <summary>
/// Turns outbox events into signed HTTP requests to the subscriptions that want them. Two steps, each a conditional
/// update in the database so that any number of nodes can run them at once: the fan-out claims an event by setting
/// its <c>DispatchedAt</c> (only one node's update matches) and creates one delivery per subscription; the delivery
/// step leases due deliveries (only one node's lease matches), sends them, and records the outcome under that lease.
/// </summary>
public sealed partial class WebhookDispatcher(
    PasserelleDbContext db, SecretProtector secrets, IHttpClientFactory httpClients, TimeProvider time, IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "Webhooks";

    public const string EventIdHeader = "Passerelle-Event-Id";
    public const string EventTypeHeader = "Passerelle-Event-Type";
    public const string DeliveryIdHeader = "Passerelle-Delivery-Id";

    /// <summary>One fan-out round, then one delivery round.</summary>
    public async Task<(FanOutResult FanOut, DeliveryRound Delivery)> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var fanOut = await FanOutAsync(cancellationToken);
        var delivery = await DeliverDueAsync(cancellationToken);
        return (fanOut, delivery);
    }

    /// <summary>
    /// Takes up to a batch of undispatched events, oldest first, and creates a delivery for every subscription that
    /// wants each one. Claim and deliveries are one transaction: an event is dispatched with all its deliveries or
    /// not at all. A subscription gets the events that occurred after it was created (older ones through a replay).
    /// </summary>
    public async Task<FanOutResult> FanOutAsync(CancellationToken cancellationToken = default)
    {
        var batch = options.Value.BatchSize;
        var candidates = await db.OutboxEvents.AsNoTracking().Where(e => e.DispatchedAt == null)
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Take(batch)
            .Select(e => new { e.Id, e.Type, e.ConnectionId, e.OccurredAt }).ToListAsync(cancellationToken);
        if (candidates.Count == 0)
        {
            return new FanOutResult(0, 0);
        }

        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking().ToListAsync(cancellationToken);
        var ids = candidates.Select(c => c.Id).ToList();

        // Belt and braces: even an event whose DispatchedAt was reset by hand never gets a second original delivery.
        var existing = (await db.WebhookDeliveries.AsNoTracking().Where(d => ids.Contains(d.EventId) && d.ReplayOf == null)
            .Select(d => new { d.SubscriptionId, d.EventId }).ToListAsync(cancellationToken))
            .Select(d => (d.SubscriptionId, d.EventId)).ToHashSet();
        var claimed = 0;
        var created = 0;
        foreach (var e in candidates)
        {
            var mine = await db.OutboxEvents.Where(x => x.Id == e.Id && x.DispatchedAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(x => x.DispatchedAt, now), cancellationToken);
            if (mine == 0)
            {
                continue;
            }

            claimed++;
            foreach (var subscription in subscriptions.Where(s => s.Wants(e.Type, e.ConnectionId) && e.OccurredAt >= s.CreatedAt))
            {
                if (existing.Add((subscription.Id, e.Id)))
                {
                    db.WebhookDeliveries.Add(NewDelivery(subscription.Id, e.Id, e.Type, e.ConnectionId, now, replayOf: null));
                    created++;
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (claimed > 0)
        {
            Log.FannedOut(logger, claimed, created);
        }

        return new FanOutResult(claimed, created);
    }

    /// <summary>
    /// Leases due deliveries of subscriptions that are not paused and sends them: one subscription's requests one after
    /// the other, oldest first, several subscriptions at once. Subscriptions are served longest-waiting first, each at
    /// most <see cref="SendsPerSubscription"/> deliveries per round (at most <see cref="WebhookOptions.BatchSize"/> in
    /// all), so a large backlog never crowds the others out. Each outcome is written as soon as it is known, and a
    /// request is sent only while the lease has room for it. After a failed attempt the subscription's other
    /// deliveries wait for that one's next attempt, so a receiver that is down gets one request per backoff step.
    /// </summary>
    public async Task<DeliveryRound> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var perSubscription = SendsPerSubscription(settings);
        var waiting = await DueAt(now)
            .GroupBy(d => d.SubscriptionId)
            .Select(g => new { SubscriptionId = g.Key, Oldest = g.Min(d => d.CreatedAt) })
            .OrderBy(g => g.Oldest).ThenBy(g => g.SubscriptionId).Take(settings.BatchSize)
            .ToListAsync(cancellationToken);
        var due = new List<Due>();
        var more = waiting.Count == settings.BatchSize;
        foreach (var subscription in waiting)
        {
            var room = Math.Min(perSubscription, settings.BatchSize - due.Count);
            if (room == 0)
            {
                more = true;
                break;
            }

            var next = await DueAt(now).Where(d => d.SubscriptionId == subscription.SubscriptionId)
                .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).Take(room + 1)
                .Select(d => new Due(d.Id, d.SubscriptionId, d.EventId, d.EventType, d.Attempts, d.CreatedAt))
                .ToListAsync(cancellationToken);
            if (next.Count > room)
            {
                more = true;
                next.RemoveAt(room);
            }

            due.AddRange(next);
        }

        if (due.Count == 0)
        {
            return DeliveryRound.None;
        }

        // Whole milliseconds: the lease is compared for equality when the outcome is written, and PostgreSQL keeps microseconds.
        var lease = now + settings.Lease;
        lease = new DateTimeOffset(lease.UtcTicks - (lease.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var leased = new List<Due>();
        foreach (var delivery in due)
        {
            var mine = await db.WebhookDeliveries
                .Where(d => d.Id == delivery.Id && d.Status == DeliveryStatus.Pending && (d.LeaseUntil == null || d.LeaseUntil < now))
                .ExecuteUpdateAsync(set => set.SetProperty(d => d.LeaseUntil, lease), cancellationToken);
            if (mine == 1)
            {
                leased.Add(delivery);
            }
        }

        if (leased.Count == 0)
        {
            return DeliveryRound.None;
        }

        var subscriptionIds = leased.Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id))
            .ToDictionaryAsync(s => s.Id, cancellationToken);
        var eventIds = leased.Select(d => d.EventId).Distinct().ToList();
        var bodies = (await db.OutboxEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToListAsync(cancellationToken))
            .ToDictionary(e => e.Id, Envelope);

        // The context is not thread-safe: while several subscriptions are served at once, every write goes through one writer.
        using var writer = new SemaphoreSlim(1, 1);
        async Task<T> WriteAsync<T>(Func<Task<T>> write)
        {
            await writer.WaitAsync(CancellationToken.None);
            try
            {
                return await write();
            }
            finally
            {
                writer.Release();
            }
        }

        int attempted = 0, delivered = 0, retrying = 0, failed = 0, leftOver = 0;
        var http = httpClients.CreateClient(HttpClientName);
        await Parallel.ForEachAsync(leased.GroupBy(d => d.SubscriptionId),
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
            async (group, token) =>
            {
                var stop = false;
                foreach (var delivery in group)
                {
                    if (!stop && lease - time.GetUtcNow() < settings.Timeout + LeaseMargin)
                    {
                        // Another node may take these once the lease is over: send nothing that could still be in flight then.
                        Log.LeaseTooShort(logger, delivery.SubscriptionId);
                        stop = true;
                        Interlocked.Increment(ref leftOver);
                    }

                    if (stop || !subscriptions.TryGetValue(delivery.SubscriptionId, out var subscription))
                    {
                        await WriteAsync(() => ReleaseAsync(delivery, lease));
                        continue;
                    }

                    var attempt = await SendAsync(http, delivery, subscription, bodies[delivery.EventId], token);
                    Interlocked.Increment(ref attempted);

                    // The outcome is written even when the node is stopping: the request was sent.
                    var status = await WriteAsync(() => RecordAsync(delivery, attempt, lease, CancellationToken.None));
                    switch (status)
                    {
                        case DeliveryStatus.Delivered: Interlocked.Increment(ref delivered); break;
                        case DeliveryStatus.Failed: Interlocked.Increment(ref failed); break;
                        case DeliveryStatus.Pending: Interlocked.Increment(ref retrying); break;
                    }

                    stop = !attempt.Delivered;
                }
            });

        return new DeliveryRound(attempted, delivered, retrying, failed, MoreDue: more || leftOver > 0);
    }

    /// <summary>
    /// The most deliveries one subscription gets per round: as many requests as fit in a lease, one timeout each,
    /// so a slow receiver cannot keep a round going after its lease is over.
    /// </summary>
    public static int SendsPerSubscription(WebhookOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Math.Max(1, (int)((settings.Lease - LeaseMargin) / settings.Timeout));
    }

    /// <summary>Room kept at the end of a lease for writing the last outcome.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(15);

    private IQueryable<WebhookDelivery> DueAt(DateTimeOffset now) => db.WebhookDeliveries.AsNoTracking()
        .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now))
        .Where(d => db.WebhookSubscriptions.Any(s => s.Id == d.SubscriptionId && !s.IsPaused));

    /// <summary>Gives a delivery back unattempted (if the lease is still this round's), for the next round.</summary>
    private async Task<DeliveryStatus?> ReleaseAsync(Due delivery, DateTimeOffset lease)
    {
        await db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.LeaseUntil == lease && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
        return null;
    }

    private async Task<Attempt> SendAsync(HttpClient http, Due delivery, WebhookSubscription subscription, byte[] body, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(subscription.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return new Attempt(false, null, "The subscription's URL is not an http(s) URL: correct it and replay.", Permanent: true, 0);
        }

        string secret;
        try
        {
            secret = secrets.Unprotect(subscription.ProtectedSecret, subscription.Id.ToString());
        }
        catch (SecretUnavailableException e)
        {
            Log.SecretUnavailable(logger, subscription.Id, e);
            return new Attempt(false, null, "The signing secret cannot be decrypted: restore the key ring or rotate the subscription's secret.", Permanent: false, 0);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation(EventIdHeader, delivery.EventId.ToString());
        request.Headers.TryAddWithoutValidation(EventTypeHeader, delivery.EventType);
        request.Headers.TryAddWithoutValidation(DeliveryIdHeader, delivery.Id.ToString());
        var started = time.GetTimestamp();
        try
        {
            // Headers are enough: the receiver's body is never read, stored or logged.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            var elapsed = (long)time.GetElapsedTime(started).TotalMilliseconds;
            return code switch
            {
                >= 200 and < 300 => new Attempt(true, code, null, false, elapsed),
                >= 300 and < 400 => new Attempt(false, code, $"HTTP {code}: redirects are not followed; subscribe the final URL.", false, elapsed),
                410 => new Attempt(false, code, "HTTP 410 Gone: the receiver says this endpoint no longer exists; no more retries.", Permanent: true, elapsed),
                _ => new Attempt(false, code, $"HTTP {code}.", false, elapsed),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(false, null, $"No answer within {options.Value.Timeout.TotalSeconds:0} s.", false, (long)time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException e) when (e.InnerException is WebhookAddressNotPublicException)
        {
            return new Attempt(false, null, WebhookAddresses.NotPublicReason, false, (long)time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException e)
        {
            return new Attempt(false, null, $"Could not reach the receiver ({e.HttpRequestError}).", false, (long)time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Writes the attempt, conditional on the lease still being this round's, and returns the new status.</summary>
    private async Task<DeliveryStatus?> RecordAsync(Due delivery, Attempt attempt, DateTimeOffset lease, CancellationToken cancellationToken)
    {
        var mine = db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.LeaseUntil == lease && d.Status == DeliveryStatus.Pending);
        var settings = options.Value;
        var at = time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var deadline = delivery.CreatedAt + settings.RetryFor;
        DeliveryStatus status;
        DateTimeOffset next;
#pragma warning disable CA5394 // Jitter spreads retries; it needs no cryptographic randomness.
        var wait = WebhookBackoff.Delay(attempts, settings.RetryBase, settings.RetryCap, Random.Shared.NextDouble());
#pragma warning restore CA5394
        if (attempt.Delivered)
        {
            (status, next) = (DeliveryStatus.Delivered, at);
            Log.Delivered(logger, delivery.Id, delivery.SubscriptionId, attempt.StatusCode ?? 0, attempts);
        }
        else if (attempt.Permanent || at >= deadline)
        {
            (status, next) = (DeliveryStatus.Failed, at);
            Log.GaveUp(logger, delivery.Id, delivery.SubscriptionId, attempt.StatusCode ?? 0, attempts);
        }
        else
        {
            // The last attempt is made at the deadline itself, so the 24 h are used in full.
            (status, next) = (DeliveryStatus.Pending, at + wait < deadline ? at + wait : deadline);
            Log.AttemptFailed(logger, delivery.Id, delivery.SubscriptionId, attempt.StatusCode ?? 0, attempts, next);
        }

        var error = attempt.Error is { Length: > 1000 } text ? text[..1000] : attempt.Error;
        var rows = await mine.ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Status, status)
            .SetProperty(d => d.Attempts, d => d.Attempts + 1)
            .SetProperty(d => d.LastAttemptAt, at)
            .SetProperty(d => d.LastStatusCode, attempt.StatusCode)
            .SetProperty(d => d.LastError, error)
            .SetProperty(d => d.LastDurationMs, attempt.DurationMs)
            .SetProperty(d => d.NextAttemptAt, next)
            .SetProperty(d => d.DeliveredAt, attempt.Delivered ? at : null)
            .SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        if (rows == 1 && !attempt.Delivered)
        {
            // The receiver is failing: the subscription's other deliveries wait with this one rather than each being
            // tried in turn, one per round. If this one has failed for good, they wait one backoff step.
            await HoldBackAsync(delivery, at, status == DeliveryStatus.Pending ? next : at + wait, lease, cancellationToken);
        }

        return rows == 1 ? status : null;
    }

    /// <summary>
    /// After a failed attempt, the subscription's other pending deliveries (those leased by no other node) are due no
    /// earlier than <paramref name="until"/>, and those whose retry window has already ended fail without being sent:
    /// they waited behind a receiver that never answered. Neither counts as an attempt.
    /// </summary>
    private async Task HoldBackAsync(Due failed, DateTimeOffset at, DateTimeOffset until, DateTimeOffset lease, CancellationToken cancellationToken)
    {
        var windowStart = at - options.Value.RetryFor;
        var others = db.WebhookDeliveries.Where(d => d.SubscriptionId == failed.SubscriptionId && d.Id != failed.Id && d.Status == DeliveryStatus.Pending
                                                     && (d.LeaseUntil == null || d.LeaseUntil < at || d.LeaseUntil == lease));
        var expired = await others.Where(d => d.CreatedAt <= windowStart).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Status, DeliveryStatus.Failed)
            .SetProperty(d => d.LastError, ExpiredUnsent)
            .SetProperty(d => d.NextAttemptAt, at)
            .SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        var held = await others.Where(d => d.NextAttemptAt < until).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.NextAttemptAt, until)
            .SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        if (expired + held > 0)
        {
            Log.HeldBack(logger, failed.SubscriptionId, held, until, expired);
        }
    }

    private const string ExpiredUnsent = "Not sent: the receiver kept failing until this delivery's retry window ended; replay it once the receiver is back.";

    /// <summary>
    /// Gives the pending deliveries of a subscription being resumed their retry window back: a delivery is retried for
    /// <see cref="WebhookOptions.RetryFor"/> after its <c>CreatedAt</c>, and time spent paused must not use it up, or a
    /// pause longer than the window would leave each waiting delivery a single attempt. Their <c>CreatedAt</c> becomes
    /// <paramref name="now"/>; their order among themselves is kept by their ids (UUIDv7, in creation order).
    /// Call it while the subscription is still paused, so that no round sends them in between.
    /// </summary>
    public static Task<int> RestartRetryWindowAsync(PasserelleDbContext db, Guid subscriptionId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.WebhookDeliveries.Where(d => d.SubscriptionId == subscriptionId && d.Status == DeliveryStatus.Pending && d.CreatedAt < now)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.CreatedAt, now), cancellationToken);
    }

    /// <summary>Creates a pending delivery, due at once.</summary>
    public static WebhookDelivery NewDelivery(Guid subscriptionId, Guid eventId, string eventType, ConnectionId connection, DateTimeOffset now, Guid? replayOf) => new()
    {
        SubscriptionId = subscriptionId,
        EventId = eventId,
        EventType = eventType,
        ConnectionId = connection,
        Status = DeliveryStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        ReplayOf = replayOf,
    };

    /// <summary>
    /// The request body, the same bytes for every subscription and attempt: <c>{id, type, occurredAt, connectionId, data}</c>.
    /// </summary>
    public static byte[] Envelope(OutboxEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", e.Id);
            json.WriteString("type", e.Type);
            json.WriteString("occurredAt", e.OccurredAt.ToUniversalTime());
            json.WriteString("connectionId", e.ConnectionId.Value);
            json.WritePropertyName("data");
            json.WriteRawValue(e.Payload);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private sealed record Due(Guid Id, Guid SubscriptionId, Guid EventId, string EventType, int Attempts, DateTimeOffset CreatedAt);

    private sealed record Attempt(bool Delivered, int? StatusCode, string? Error, bool Permanent, long DurationMs);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Webhooks: {Events} outbox events dispatched into {Deliveries} deliveries")]
        public static partial void FannedOut(ILogger logger, int events, int deliveries);

        [LoggerMessage(2, LogLevel.Debug, "Webhook delivery {DeliveryId} (subscription {SubscriptionId}) delivered: HTTP {StatusCode} at attempt {Attempts}")]
        public static partial void Delivered(ILogger logger, Guid deliveryId, Guid subscriptionId, int statusCode, int attempts);

        [LoggerMessage(3, LogLevel.Information, "Webhook delivery {DeliveryId} (subscription {SubscriptionId}) attempt {Attempts} failed (HTTP {StatusCode}, 0 = no answer); next at {NextAttemptAt}")]
        public static partial void AttemptFailed(ILogger logger, Guid deliveryId, Guid subscriptionId, int statusCode, int attempts, DateTimeOffset nextAttemptAt);

        [LoggerMessage(4, LogLevel.Warning, "Webhook delivery {DeliveryId} (subscription {SubscriptionId}) failed for good after {Attempts} attempts (last HTTP {StatusCode}, 0 = no answer)")]
        public static partial void GaveUp(ILogger logger, Guid deliveryId, Guid subscriptionId, int statusCode, int attempts);

        [LoggerMessage(5, LogLevel.Error, "The signing secret of webhook subscription {SubscriptionId} cannot be decrypted")]
        public static partial void SecretUnavailable(ILogger logger, Guid subscriptionId, Exception exception);

        [LoggerMessage(6, LogLevel.Debug, "Webhook subscription {SubscriptionId} is failing: {Held} deliveries wait until {Until}, {Expired} failed unsent")]
        public static partial void HeldBack(ILogger logger, Guid subscriptionId, int held, DateTimeOffset until, int expired);

        [LoggerMessage(7, LogLevel.Information, "Webhook subscription {SubscriptionId}: the rest of this round's deliveries are left for the next one, the lease would not cover them")]
        public static partial void LeaseTooShort(ILogger logger, Guid subscriptionId);
    }
}
