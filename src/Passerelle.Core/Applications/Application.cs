using Passerelle.Core.Connections;

namespace Passerelle.Core.Applications;

/// <summary>
/// DESIGN.md's delivery state machine, one persisted step per SR call:
/// <c>Queued → Creating → CandidateCreated → ResumeAttached → Delivered</c>, with <c>Retrying</c> (not sent yet,
/// waiting for <see cref="Application.NextAttemptAt"/>), <c>NeedsReview</c> and <c>Failed</c> as the other ends.
/// </summary>
public enum ApplicationState
{
    /// <summary>Accepted, waiting for its turn on the connection's lane.</summary>
    Queued,

    /// <summary>SR did not take the create (429, outage): tried again at <see cref="Application.NextAttemptAt"/>.</summary>
    Retrying,

    /// <summary>
    /// The create is being sent. Written <em>before</em> the request leaves, so a node that dies mid-call leaves a
    /// trace: an application found here by a new lane may exist in SR, and goes to <see cref="NeedsReview"/>.
    /// </summary>
    Creating,

    /// <summary>The candidate exists in SR (<see cref="Application.SrCandidateId"/>); the CV is next.</summary>
    CandidateCreated,

    /// <summary>The CV is attached; the cover letter is next.</summary>
    ResumeAttached,

    /// <summary>Everything is in SR.</summary>
    Delivered,

    /// <summary>The candidate may already exist in SR: a person decides (retry, or mark delivered).</summary>
    NeedsReview,

    /// <summary>SR refused it (or it could not be sent for good): fix and retry.</summary>
    Failed,
}

/// <summary>How a connection's applications are created in SR (see smartrecruiters-api.md §6).</summary>
public enum DeliveryMode
{
    /// <summary>Create with the applicant's JSON, then attach the CV as RESUME (the default: the applicant's own data is authoritative).</summary>
    Json,

    /// <summary>Let SR create the candidate by parsing the CV (<c>POST /jobs/{id}/candidates/cv</c>), then attach the cover letter.</summary>
    ResumeParsing,
}

public enum ApplicationFileKind
{
    Cv,
    CoverLetter,
}

/// <summary>
/// An applicant handed over by Hippolyte-rh, on its way to SR. The applicant's personal data is only ever stored
/// encrypted (<see cref="ProtectedApplicant"/>); erasure clears it and the files, leaving an anonymous delivery record.
/// </summary>
public sealed class Application
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public ConnectionId ConnectionId { get; init; }

    /// <summary>SR's job id; null for a general application (no job).</summary>
    public string? SrJobId { get; init; }

    /// <summary>The caller's key (<c>Idempotency-Key</c>, or the external id): one application per key and connection.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>SHA-256 of what was submitted (applicant, job, files), to tell a replay from a different request under the same key.</summary>
    public required string RequestHash { get; init; }

    /// <summary>The board's or channel's own id for this application (not personal data).</summary>
    public string? ExternalId { get; init; }

    /// <summary>Where the applicant came from (a job board, the career site…); added to SR's tags.</summary>
    public string? Channel { get; init; }

    /// <summary>The applicant (names, e-mail, phone, history, consent) as encrypted JSON; null once erased.</summary>
    public string? ProtectedApplicant { get; set; }

    public ApplicationState State { get; set; } = ApplicationState.Queued;

    public string? SrCandidateId { get; set; }
    public string? ResumeAttachmentId { get; set; }
    public string? CoverLetterAttachmentId { get; set; }

    /// <summary>Attempts in a row that SR did not take; drives the backoff, reset by a success.</summary>
    public int Attempts { get; set; }

    /// <summary>Not before this time (after a refusal to take the request, or a failed upload).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The lane activation that last worked on it (for operators); the fence is <see cref="Version"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>A stable code for the last problem (e.g. <c>sr.job_not_accepting</c>), for people and scripts.</summary>
    public string? LastErrorCode { get; set; }

    /// <summary>What happened, in plain words (ids only).</summary>
    public string? LastError { get; set; }

    /// <summary>What a person can do about it.</summary>
    public string? Remedy { get; set; }

    public DateTimeOffset AcceptedAt { get; init; }
    public required string AcceptedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? ErasedAt { get; set; }

    /// <summary>Bumped by every change: every transition is conditional on it, so two writers cannot both win.</summary>
    public long Version { get; set; }

    public List<ApplicationFile> Files { get; init; } = [];

    public bool IsFinished => State is ApplicationState.Delivered or ApplicationState.Failed or ApplicationState.NeedsReview;

    // Personal data lives behind ProtectedApplicant; ids only here.
    public override string ToString() => $"Application {{ Id = {Id}, ConnectionId = {ConnectionId}, State = {State} }}";
}

/// <summary>A CV or cover letter: encrypted bytes in the file store, their key (wrapped) and facts here.</summary>
public sealed class ApplicationFile
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ApplicationId { get; init; }
    public ApplicationFileKind Kind { get; init; }

    /// <summary>The file's name in the encrypted store.</summary>
    public required string StoredName { get; init; }

    /// <summary>The file's data key, wrapped by the key ring; null once deleted, which makes any copy of the bytes unreadable.</summary>
    public string? WrappedKey { get; set; }

    /// <summary>The sender's (sanitised) file name, encrypted: names often carry the applicant's.</summary>
    public string? ProtectedFileName { get; set; }

    public required string ContentType { get; init; }
    public long Length { get; init; }

    /// <summary>SHA-256 of the content as received, to prove what reached SR.</summary>
    public required string Sha256 { get; init; }

    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>One line of an application's history: a call to SR and its outcome, or a person's action.</summary>
public sealed class ApplicationStep
{
    public long Id { get; init; }
    public Guid ApplicationId { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary><c>accepted</c>, <c>create</c>, <c>attach-resume</c>, <c>attach-cover-letter</c>, <c>retry</c>, <c>mark-delivered</c>, <c>erase</c>, <c>interrupted</c>, <c>files-deleted</c>.</summary>
    public required string Step { get; init; }

    /// <summary><c>success</c>, <c>not-sent</c>, <c>in-doubt</c>, <c>rejected</c>, <c>credentials</c>, <c>forbidden</c>, <c>not-found</c>, or the action's result.</summary>
    public required string Outcome { get; init; }

    public int? StatusCode { get; init; }

    /// <summary>Ids and SR error codes only.</summary>
    public string? Detail { get; init; }

    public string? Actor { get; init; }
    public string? Node { get; init; }
}
