using Passerelle.Core.Connections;

namespace Passerelle.Core.Jobs;

/// <summary>
/// A connection's job offer as last read from SR: normalised fields for Hippolyte-rh, plus SR's raw JSON so that no
/// field SR sends is lost to a model that does not know it yet.
/// </summary>
public sealed class JobOffer
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public ConnectionId ConnectionId { get; init; }
    public required string SrJobId { get; init; }
    public string? Title { get; set; }
    public string? RefNumber { get; set; }
    public string? Status { get; set; }
    public string? PostingStatus { get; set; }
    public string? Department { get; set; }
    public string? City { get; set; }
    public string? CountryCode { get; set; }
    public string? EmploymentType { get; set; }
    public string? ExperienceLevel { get; set; }
    public string? Function { get; set; }
    public string? Industry { get; set; }
    public decimal? CompensationMin { get; set; }
    public decimal? CompensationMax { get; set; }
    public string? CompensationCurrency { get; set; }
    public string? Language { get; set; }
    public string? ApplyUrl { get; set; }
    public DateTimeOffset? SrCreatedOn { get; set; }
    public DateTimeOffset? SrUpdatedOn { get; set; }
    public required string RawJson { get; set; }

    /// <summary>Closed once two consecutive complete listings no longer contain it (never on a partial one).</summary>
    public bool IsClosed { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Consecutive complete full listings that did not contain this job.</summary>
    public int MissingListings { get; set; }

    public DateTimeOffset FirstSeenAt { get; init; }
    public DateTimeOffset LastSyncedAt { get; set; }
}

public enum SyncKind
{
    Incremental,
    Full,
}

/// <summary>One sync of a connection's jobs, for the record and for diagnosis.</summary>
public sealed class SyncRun
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public ConnectionId ConnectionId { get; init; }
    public SyncKind Kind { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int Pages { get; set; }
    public int SrCalls { get; set; }
    public int Created { get; set; }
    public int Updated { get; set; }
    public int Closed { get; set; }
    public bool Complete { get; set; }
    public string? Error { get; set; }
}
