using Orleans.Concurrency;

namespace Passerelle.Core.Lanes;

/// <summary>
/// The one owner of everything that talks to SmartRecruiters for a connection (keyed by connection id): its sync
/// schedule and its delivery pump. Orleans keeps one activation per key across the cluster, so the
/// credential's token and rate budget are used from one place; the database's conditional updates keep things
/// right even during a brief overlap.
/// </summary>
public interface IConnectionLane : IGrainWithGuidKey
{
    /// <summary>Makes sure the lane is running (the supervisor calls it, so lanes come back after a restart).</summary>
    [AlwaysInterleave]
    Task WakeAsync();

    /// <summary>
    /// Something changed for this connection (a sync was queued, the secret was fixed): look at it now rather
    /// than at the next scheduled time. Returns at once; the work happens on the lane.
    /// </summary>
    [AlwaysInterleave]
    Task NudgeAsync();

    /// <summary>Applications were accepted for this connection: deliver them now (unless the connection is backing off).</summary>
    [AlwaysInterleave]
    Task NudgeDeliveryAsync();

    /// <summary>What the lane is doing, for operators and tests.</summary>
    [AlwaysInterleave]
    Task<LaneState> GetStateAsync();
}

/// <summary>A lane's view of itself.</summary>
[GenerateSerializer, Immutable]
public sealed record LaneState(
    [property: Id(0)] Guid ConnectionId,
    [property: Id(1)] string Node,
    [property: Id(2)] bool Syncing,
    [property: Id(3)] string? PausedBecause,
    [property: Id(4)] DateTimeOffset? LastSyncAt,
    [property: Id(5)] DateTimeOffset? LastCompleteFullSyncAt,
    [property: Id(6)] DateTimeOffset? NextCheckAt)
{
    /// <summary>A delivery round is running.</summary>
    [Id(7)]
    public bool Delivering { get; init; }

    /// <summary>Why deliveries wait for a person (the connection needs attention), if they do.</summary>
    [Id(8)]
    public string? DeliveryPausedBecause { get; init; }

    /// <summary>When deliveries resume after SR refused requests (the connection backs off as a whole).</summary>
    [Id(9)]
    public DateTimeOffset? DeliveryResumeAt { get; init; }
}
