namespace Passerelle.Core.Connections;

/// <summary>A connection's identity across layers.</summary>
public readonly record struct ConnectionId(Guid Value)
{
    public static ConnectionId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString();
}

/// <summary>DESIGN.md's lifecycle: Pending → Active ⇄ NeedsAttention(reason), or Disconnected.</summary>
public enum ConnectionStatus
{
    Pending,
    Active,
    NeedsAttention,
    Disconnected,
}

/// <summary>Why a connection needs attention; each has a remedy for the account manager.</summary>
public enum AttentionReason
{
    CredentialsInvalid,
    ScopeMissing,
    ApiAccessDisabled,
    CompanyMismatch,
    Unreachable,
}

/// <summary>
/// A customer's SmartRecruiters credential as Passerelle holds it. The client secret is only ever stored
/// protected (<see cref="ProtectedSecret"/>), with keys kept outside the database.
/// </summary>
public sealed class Connection
{
    public ConnectionId Id { get; init; } = ConnectionId.New();
    public required string DisplayName { get; set; }
    public required string CustomerName { get; set; }
    public required string CompanyIdentifier { get; set; }
    public required string ClientId { get; set; }

    /// <summary>The client secret, encrypted by Data Protection; null once the connection is disconnected.</summary>
    public string? ProtectedSecret { get; set; }

    public required string BaseUrl { get; set; }
    public ConnectionStatus Status { get; set; } = ConnectionStatus.Pending;
    public AttentionReason? AttentionReason { get; set; }

    /// <summary>A sentence on the problem (ids only), e.g. which scope is missing.</summary>
    public string? AttentionDetail { get; set; }

    /// <summary>The last probe's verdict as JSON (scopes, extra scopes, identifier check); never a secret.</summary>
    public string? LastProbeJson { get; set; }

    public DateTimeOffset? LastProbedAt { get; set; }

    /// <summary>The latest SR <c>updatedOn</c> a complete incremental sync has seen; the next one asks from a little before.</summary>
    public DateTimeOffset? SyncWatermark { get; set; }

    /// <summary>Since when SR has been failing transiently for this connection; cleared by the next success.</summary>
    public DateTimeOffset? UnreachableSince { get; set; }

    /// <summary>This connection's incremental sync interval, when it differs from <c>Sync:Interval</c>.</summary>
    public TimeSpan? SyncInterval { get; set; }

    /// <summary>This connection's full reconcile interval, when it differs from <c>Sync:FullInterval</c>.</summary>
    public TimeSpan? FullSyncInterval { get; set; }
    public string? SourceTypeId { get; set; }
    public string? SourceSubTypeId { get; set; }
    public string? SourceId { get; set; }
    public List<string> Tags { get; set; } = [];

    /// <summary>How applications are created in SR: JSON then CV (default), or SR's resume parsing.</summary>
    public Applications.DeliveryMode DeliveryMode { get; set; } = Applications.DeliveryMode.Json;
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }

    /// <summary>Bumped by every change; state changes are conditional on it, so two writers cannot both win.</summary>
    public long Version { get; set; }

    /// <summary>
    /// Why nothing may be asked of SR for this connection now (no secret, not verified, or a person must act), or
    /// null. "Unreachable" does not pause it: trying again is how it recovers. Lanes check it before syncs and deliveries.
    /// </summary>
    public string? PausedBecause() => this switch
    {
        { ProtectedSecret: null } => "The connection has no secret.",
        { Status: ConnectionStatus.Pending } => "The connection has not been verified yet.",
        { Status: ConnectionStatus.NeedsAttention, AttentionReason: not Connections.AttentionReason.Unreachable } => $"The connection needs attention ({AttentionReason}).",
        _ => null,
    };

    // Customer and credential details are not personal data, but the secret must never be printed.
    public override string ToString() => $"Connection {{ Id = {Id}, DisplayName = {DisplayName}, Status = {Status} }}";
}

/// <summary>One line of a connection's history: who did what, when. Never a secret value.</summary>
public sealed class ConnectionAudit
{
    public long Id { get; init; }
    public ConnectionId ConnectionId { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public required string Action { get; init; }
    public string? Detail { get; init; }
}
