using System.Text.Json;
using Passerelle.Core.Connections;

namespace Passerelle.Core.Webhooks;

/// <summary>
/// An event for Hippolyte-rh, written in the same transaction as the change that caused it, so that a change is
/// never stored without its event nor an event sent for a change that was rolled back. A dispatcher delivers them.
/// </summary>
public sealed class OutboxEvent
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public ConnectionId ConnectionId { get; init; }

    /// <summary>One of <see cref="EventTypes.All"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The event's JSON body: ids and the changed resource, never a secret or personal data.</summary>
    public required string Payload { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Set once every subscription has been served (or given up on).</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    public static OutboxEvent Create<T>(ConnectionId connection, string type, T payload, DateTimeOffset at, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => new()
    {
        ConnectionId = connection,
        Type = type,
        Payload = JsonSerializer.Serialize(payload, typeInfo),
        OccurredAt = at,
    };
}

public static class EventTypes
{
    public const string JobCreated = "job.created";
    public const string JobUpdated = "job.updated";
    public const string JobClosed = "job.closed";
    public const string ConnectionHealthChanged = "connection.health_changed";
    public const string ApplicationDelivered = "application.delivered";
    public const string ApplicationFailed = "application.failed";
    public const string ApplicationNeedsReview = "application.needs_review";

    public static readonly IReadOnlyList<string> All =
        [JobCreated, JobUpdated, JobClosed, ConnectionHealthChanged, ApplicationDelivered, ApplicationFailed, ApplicationNeedsReview];
}

public sealed record JobEventPayload(
    Guid ConnectionId, string JobId, string? Title, string? RefNumber, string? Status, string? PostingStatus, DateTimeOffset? UpdatedOn,
    bool Closed, IReadOnlyList<PostingRef> Postings);

/// <summary>A public posting of the job: its id, language and public page.</summary>
public sealed record PostingRef(string PostingId, string? Language, string? Url);

public sealed record HealthEventPayload(Guid ConnectionId, string Status, string? Reason, string? Detail);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(JobEventPayload))]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthEventPayload))]
internal sealed partial class EventJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
