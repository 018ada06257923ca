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

    /// <summary>The job ad's sections (company, job, qualifications, additional information), HTML sanitised for display.</summary>
    public JobAdSections? AdSections { get; set; }

    /// <summary>
    /// The job's public postings (SR publishes a job once per language, each with its own id, all sharing the
    /// job's <c>refNumber</c>), linked by that reference. Empty while the job is not published.
    /// </summary>
    public List<PublicPosting> Postings { get; set; } = [];

    /// <summary>Closed once two consecutive complete listings no longer contain it (never on a partial one).</summary>
    public bool IsClosed { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Consecutive complete full listings that did not contain this job.</summary>
    public int MissingListings { get; set; }

    public DateTimeOffset FirstSeenAt { get; init; }
    public DateTimeOffset LastSyncedAt { get; set; }
}

/// <summary>A public posting of a job: the id of its public page and the language it is published in.</summary>
public sealed class PublicPosting
{
    public required string PostingId { get; set; }
    public string? Language { get; set; }
    public string? Url { get; set; }
}

/// <summary>A job ad's sections as sanitised HTML (scripts, styles, event handlers and foreign URLs schemes removed).</summary>
public sealed class JobAdSections
{
    public AdSection? CompanyDescription { get; set; }
    public AdSection? JobDescription { get; set; }
    public AdSection? Qualifications { get; set; }
    public AdSection? AdditionalInformation { get; set; }
}

public sealed class AdSection
{
    public string? Title { get; set; }
    public string? Html { get; set; }
}

public enum SyncKind
{
    Incremental,
    Full,
}

public enum SyncRunState
{
    /// <summary>Asked for ("sync now"), waiting for the connection's lane.</summary>
    Queued,
    Running,
    Finished,
}

/// <summary>One sync of a connection's jobs, for the record and for diagnosis.</summary>
public sealed class SyncRun
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public ConnectionId ConnectionId { get; init; }
    public SyncKind Kind { get; set; }
    public SyncRunState State { get; set; } = SyncRunState.Running;

    /// <summary>Who or what asked: <c>schedule</c>, or the API client that asked for "sync now".</summary>
    public string Trigger { get; set; } = "schedule";

    /// <summary>The node (silo) whose lane ran it, for operators following a failover.</summary>
    public string? Node { get; set; }

    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int Pages { get; set; }
    public int SrCalls { get; set; }
    public int Created { get; set; }
    public int Updated { get; set; }
    public int Closed { get; set; }

    /// <summary>Calls to SR's public Posting API (no credential, outside the rate budget) to link public postings.</summary>
    public int PostingCalls { get; set; }

    public bool Complete { get; set; }
    public string? Error { get; set; }
}
