namespace Passerelle.Core.Jobs;

/// <summary>
/// The job sync schedule (section <c>Sync</c>); each connection may override the two intervals
/// (<see cref="Connections.Connection.SyncInterval"/>, <see cref="Connections.Connection.FullSyncInterval"/>).
/// </summary>
public sealed class SyncOptions
{
    /// <summary>An incremental sync (jobs updated since the last one) this often. Default 5 minutes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A full reconcile (every job listed; jobs gone twice are closed) this often. Default 6 hours.</summary>
    public TimeSpan FullInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Transient failures lasting this long make a connection NeedsAttention(Unreachable). Default 1 hour.</summary>
    public TimeSpan UnreachableAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each node's supervisor wakes the lanes of active connections. Default 1 minute.</summary>
    public TimeSpan SupervisorInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Syncs running at once on one node. Each sync paces itself to its credential's 10 requests/s, so this caps the
    /// node's rate at about ten times it; above what the node can serve, requests queue locally and reach SR in
    /// bunches, which SR answers with 429s. After a restart every lane wants its sync at once: the others wait
    /// their turn. Default 64.
    /// </summary>
    public int MaxConcurrentSyncs { get; set; } = 64;

    /// <summary>Set to false to sync only on demand (<c>POST /api/v1/connections/{id}/sync</c>), never on schedule. Default true.</summary>
    public bool Scheduled { get; set; } = true;

    public const string Section = "Sync";

    internal static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    /// <summary>A sentence for each invalid setting, for a refusal at start.</summary>
    public IEnumerable<string> Problems()
    {
        if (Interval < MinimumInterval || Interval > TimeSpan.FromDays(1))
        {
            yield return "Sync:Interval must be between 1 second and 1 day (e.g. \"00:05:00\").";
        }

        if (FullInterval < Interval || FullInterval > TimeSpan.FromDays(7))
        {
            yield return "Sync:FullInterval must be at least Sync:Interval and at most 7 days (e.g. \"06:00:00\").";
        }

        if (UnreachableAfter < TimeSpan.Zero)
        {
            yield return "Sync:UnreachableAfter cannot be negative (e.g. \"01:00:00\").";
        }

        if (MaxConcurrentSyncs is < 1 or > 10_000)
        {
            yield return $"Sync:MaxConcurrentSyncs ({MaxConcurrentSyncs}) must be between 1 and 10000 (e.g. 64).";
        }

        if (SupervisorInterval < MinimumInterval || SupervisorInterval > TimeSpan.FromHours(1))
        {
            yield return "Sync:SupervisorInterval must be between 1 second and 1 hour (e.g. \"00:01:00\").";
        }
    }
}
