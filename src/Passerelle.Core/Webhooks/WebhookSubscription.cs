using Passerelle.Core.Connections;

namespace Passerelle.Core.Webhooks;

/// <summary>
/// Where Hippolyte-rh wants events sent: a URL, the event types it wants, and optionally only some connections.
/// Every request is signed with the subscription's own secret, shown once at creation and stored encrypted.
/// </summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Url { get; set; }
    public string? Description { get; set; }

    /// <summary>Event types delivered, e.g. <c>job.created</c>; empty means every type.</summary>
    public List<string> EventTypes { get; set; } = [];

    /// <summary>Connections whose events are delivered; empty means every connection.</summary>
    public List<Guid> ConnectionIds { get; set; } = [];

    /// <summary>The signing secret, encrypted with the key ring (never returned after creation).</summary>
    public required string ProtectedSecret { get; set; }

    /// <summary>A paused subscription keeps its events (deliveries wait) and resumes where it stopped.</summary>
    public bool IsPaused { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long Version { get; set; }

    public bool Wants(string eventType, ConnectionId connection) =>
        (EventTypes.Count == 0 || EventTypes.Contains(eventType, StringComparer.Ordinal))
        && (ConnectionIds.Count == 0 || ConnectionIds.Contains(connection.Value));
}

public enum DeliveryStatus
{
    /// <summary>Waiting for its first attempt or for the next retry.</summary>
    Pending,
    Delivered,

    /// <summary>Retried for 24 h without a 2xx; kept in the log and can be replayed.</summary>
    Failed,
}

/// <summary>One event for one subscription: its attempts, their outcome, and when the next one is due.</summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SubscriptionId { get; init; }
    public Guid EventId { get; init; }
    public required string EventType { get; init; }
    public ConnectionId ConnectionId { get; init; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>A dispatcher that took the delivery owns it until then (another node may take it after).</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed (status, timeout, refused connection): never the receiver's body.</summary>
    public string? LastError { get; set; }

    public long? LastDurationMs { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The delivery this one replays, when an admin asked for a replay.</summary>
    public Guid? ReplayOf { get; init; }
}
