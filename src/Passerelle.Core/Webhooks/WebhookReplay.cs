using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Webhooks;

/// <summary>
/// Replays queue new deliveries (with <see cref="WebhookDelivery.ReplayOf"/> set) of events already dispatched: the
/// same event, with the same id, so a receiver that deduplicates on it ignores what it had already processed.
/// </summary>
public static class WebhookReplay
{
    /// <summary>A new delivery of the same event to the same subscription, due at once, with a fresh retry window.</summary>
    public static WebhookDelivery Of(WebhookDelivery original, DateTimeOffset now) =>
        WebhookDispatcher.NewDelivery(original.SubscriptionId, original.EventId, original.EventType, original.ConnectionId, now, original.Id);

    /// <summary>
    /// Queues every dispatched event since <paramref name="since"/> that the subscription wants, oldest first, at most
    /// <paramref name="max"/>; returns how many were queued and whether more were left.
    /// </summary>
    public static async Task<(int Queued, bool Truncated)> SinceAsync(
        PasserelleDbContext db, WebhookSubscription subscription, DateTimeOffset since, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        // Undispatched events are left to the fan-out, which will deliver them anyway.
        var utc = since.ToUniversalTime();
        var query = db.OutboxEvents.AsNoTracking().Where(e => e.OccurredAt >= utc && e.DispatchedAt != null);
        if (subscription.EventTypes.Count > 0)
        {
            var types = subscription.EventTypes;
            query = query.Where(e => types.Contains(e.Type));
        }

        if (subscription.ConnectionIds.Count > 0)
        {
            var connections = subscription.ConnectionIds.Select(c => new ConnectionId(c)).ToList();
            query = query.Where(e => connections.Contains(e.ConnectionId));
        }

        var events = await query.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Take(max + 1)
            .Select(e => new { e.Id, e.Type, e.ConnectionId }).ToListAsync(cancellationToken);
        var truncated = events.Count > max;
        if (truncated)
        {
            events.RemoveAt(max);
        }

        var ids = events.Select(e => e.Id).ToList();
        var originals = (await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.SubscriptionId == subscription.Id && ids.Contains(d.EventId) && d.ReplayOf == null)
                .Select(d => new { d.EventId, d.Id }).ToListAsync(cancellationToken))
            .GroupBy(d => d.EventId).ToDictionary(g => g.Key, g => g.First().Id);
        foreach (var e in events)
        {
            db.WebhookDeliveries.Add(WebhookDispatcher.NewDelivery(subscription.Id, e.Id, e.Type, e.ConnectionId, now,
                originals.TryGetValue(e.Id, out var original) ? original : null));
        }

        await db.SaveChangesAsync(cancellationToken);
        return (events.Count, truncated);
    }
}
