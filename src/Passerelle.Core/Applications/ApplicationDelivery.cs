using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Webhooks;
using Passerelle.SmartRecruiters;
using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.Core.Applications;

/// <summary>How one delivery attempt ended, for the pump.</summary>
public enum DeliveryEnd
{
    /// <summary>Everything is in SR.</summary>
    Delivered,

    /// <summary>Parked for a person (<see cref="ApplicationState.NeedsReview"/>).</summary>
    NeedsReview,

    /// <summary><see cref="ApplicationState.Failed"/>, with SR's reason.</summary>
    Failed,

    /// <summary>SR did not take a request: the application waits, and so should the connection (back off).</summary>
    NotSent,

    /// <summary>The credential or a scope was refused: the connection needs attention, the application waits.</summary>
    ConnectionNeedsAttention,

    /// <summary>Someone else changed it meanwhile (erased, retried, taken over by another lane): nothing more to do here.</summary>
    Superseded,

    /// <summary>The node stops, or lost its database, between two steps: the application stays at its last recorded step, for a later round.</summary>
    Paused,
}

public sealed record DeliveryAttempt(DeliveryEnd End, DateTimeOffset? RetryAt = null);

/// <summary>
/// Drives one application through DESIGN.md's state machine, one persisted step per SR call. Every write is
/// conditional on the version read, so a lane that lost the application (erasure, a retry by a person, another
/// activation) stops at its next write. The create is fenced: <see cref="ApplicationState.Creating"/> is stored
/// before the request leaves, so a node that dies mid-call leaves the application where a new lane parks it for
/// review instead of creating the candidate twice.
/// </summary>
public sealed partial class ApplicationDelivery(
    PasserelleDbContext db, SmartRecruitersClient sr, EncryptedFileStore files, ApplicantProtector applicants, TimeProvider time,
    IOptionsMonitor<ApplicationOptions> options, ApplicationMetrics metrics, ILogger<ApplicationDelivery> logger)
{
    /// <summary>The lane activation delivering (recorded on the application and its steps).</summary>
    public string Owner { get; set; } = "manual";

    /// <summary>Asked between two steps: false when the node stops or cannot work, so that the next step waits for a later round.</summary>
    public Func<bool> MayContinue { get; set; } = () => true;

    // The token of the SR calls: once it is cancelled (the node's shutdown grace is over), an answer that cannot be recorded is given up.
    private CancellationToken _abort;

    /// <summary>Delivers <paramref name="applicationId"/> as far as it goes now.</summary>
    public async Task<DeliveryAttempt> DeliverAsync(Guid applicationId, Connection connection, SrCredential credential, CancellationToken cancellationToken)
    {
        _abort = cancellationToken;
        var app = await db.Applications.AsNoTracking().Include(a => a.Files).SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        if (app is null || app.ConnectionId != connection.Id || app.ProtectedApplicant is null)
        {
            return new DeliveryAttempt(DeliveryEnd.Superseded);
        }

        while (true)
        {
            var attempt = app.State switch
            {
                ApplicationState.Queued or ApplicationState.Retrying => await CreateAsync(app, connection, credential, cancellationToken),
                ApplicationState.CandidateCreated => await AttachAsync(app, ApplicationFileKind.Cv, credential, cancellationToken),
                ApplicationState.ResumeAttached => await AttachAsync(app, ApplicationFileKind.CoverLetter, credential, cancellationToken),
                ApplicationState.Delivered => new DeliveryAttempt(DeliveryEnd.Delivered),
                _ => new DeliveryAttempt(DeliveryEnd.Superseded),
            };
            if (attempt is not null)
            {
                return attempt;
            }

            if (!MayContinue())
            {
                return new DeliveryAttempt(DeliveryEnd.Paused);
            }
        }
    }

    /// <summary>The create: JSON on the job (or SR's resume parsing, by the connection's mode). Null when the next step should follow.</summary>
    private async Task<DeliveryAttempt?> CreateAsync(Application app, Connection connection, SrCredential credential, CancellationToken cancellationToken)
    {
        // Everything that can fail on our side is prepared before the fence: after it, a failure reads as "may exist".
        var input = connection.DeliveryMode == DeliveryMode.Json ? Candidate(applicants.Unprotect(app.ProtectedApplicant!), app, connection) : null;
        var resume = File(app, ApplicationFileKind.Cv);
        if (input is null && resume is null)
        {
            return await FinishAsync(app, ApplicationState.Failed, "create", "file-unavailable", null, "delivery.file_unavailable",
                "Its CV is no longer stored here, and this connection creates candidates from the CV (resume parsing).",
                "Ask the applicant to apply again, or switch the connection to JSON delivery and retry.");
        }

        // The fence: Creating is stored right before the request leaves, once its rate slot and token are granted,
        // so that a node dying while it waits for them leaves an application that was provably never sent.
        var before = app.State;
        async ValueTask FenceAsync(CancellationToken _)
        {
            app.State = ApplicationState.Creating;
            app.LeaseOwner = Owner;

            // Not kept until recorded: nothing was sent yet, so a database that does not answer stops the create here.
            if (!await SaveAsync(app, step: null, untilRecorded: false))
            {
                throw new SupersededException();
            }
        }

        SrOutcome<CandidateDetails> outcome;
        try
        {
            outcome = input is null
                ? await sr.CreateCandidateFromResumeAsync(credential, app.SrJobId, resume!,
                    connection.SourceTypeId is { } type ? new ResumeSource(type, connection.SourceSubTypeId, connection.SourceId, null) : null, FenceAsync,
                    cancellationToken)
                : await sr.CreateCandidateAsync(credential, app.SrJobId, input, FenceAsync, cancellationToken);
        }
        catch (SupersededException)
        {
            return new DeliveryAttempt(DeliveryEnd.Superseded);
        }
        catch (StoredFileUnavailableException exception)
        {
            // The file could not be opened, so nothing left: the application cannot be delivered without a person.
            Log.FileUnavailable(logger, exception, app.Id);
            return await FinishAsync(app, ApplicationState.Failed, "create", "file-unavailable", null, "delivery.file_unavailable",
                "Its CV could not be read from the encrypted file store (missing file or key ring).",
                "Restore the file store and key ring from backup, then retry; or ask the applicant to apply again.");
        }

        var now = time.GetUtcNow();
        switch (outcome.Kind)
        {
            case SrOutcomeKind.Success:
                app.SrCandidateId = outcome.Value!.Id;
                app.State = connection.DeliveryMode == DeliveryMode.ResumeParsing ? ApplicationState.ResumeAttached : ApplicationState.CandidateCreated;
                app.Attempts = 0;
                app.NextAttemptAt = null;
                ClearError(app);
                return await SaveAsync(app, Step(app, "create", "success", outcome, $"candidate {app.SrCandidateId}"))
                    ? null
                    : new DeliveryAttempt(DeliveryEnd.Superseded);

            case SrOutcomeKind.NotSent:
                app.State = ApplicationState.Retrying;
                return await NotSentAsync(app, "create", outcome, now);

            case SrOutcomeKind.InDoubt:
                return await FinishAsync(app, ApplicationState.NeedsReview, "create", "in-doubt", outcome, "sr.create_in_doubt",
                    $"The create request reached SmartRecruiters but no clear answer came back ({outcome.Detail}): the candidate may exist.",
                    ReviewRemedy(app));

            case SrOutcomeKind.CredentialsRejected or SrOutcomeKind.Forbidden:
                // Refused before SR looked at the applicant: nothing exists; the application keeps its place.
                app.State = before;
                return await NeedsAttentionAsync(app, connection, "create", outcome, now);

            default:
                var (code, reason, remedy) = Rejection(app, outcome, "create");
                return await FinishAsync(app, ApplicationState.Failed, "create", outcome.Kind == SrOutcomeKind.NotFound ? "not-found" : "rejected", outcome, code,
                    reason, remedy);
        }
    }

    /// <summary>Attaches the CV (RESUME) or the cover letter (COVER_LETTER) on the job. Null when the next step should follow.</summary>
    private async Task<DeliveryAttempt?> AttachAsync(Application app, ApplicationFileKind kind, SrCredential credential, CancellationToken cancellationToken)
    {
        var stepName = kind == ApplicationFileKind.Cv ? "attach-resume" : "attach-cover-letter";
        var file = File(app, kind);
        if (file is null)
        {
            // Nothing to attach (no cover letter): the application is complete.
            return kind == ApplicationFileKind.CoverLetter
                ? await FinishAsync(app, ApplicationState.Delivered, "deliver", "success", null, null, null, null)
                : await FinishAsync(app, ApplicationState.Failed, stepName, "file-unavailable", null, "delivery.file_unavailable",
                    $"Candidate {app.SrCandidateId} exists in SmartRecruiters but its CV is no longer stored here.", "Attach the CV in SmartRecruiters by hand, then mark the application delivered.");
        }

        SrOutcome<SrAttachment> outcome;
        try
        {
            outcome = await sr.AttachAsync(credential, app.SrCandidateId!, app.SrJobId,
                kind == ApplicationFileKind.Cv ? SrAttachmentType.Resume : SrAttachmentType.CoverLetter, file, cancellationToken);
        }
        catch (StoredFileUnavailableException exception)
        {
            Log.FileUnavailable(logger, exception, app.Id);
            return await FinishAsync(app, ApplicationState.Failed, stepName, "file-unavailable", null, "delivery.file_unavailable",
                $"Candidate {app.SrCandidateId} exists in SmartRecruiters, but the file could not be read from the encrypted file store.",
                "Restore the file store and key ring from backup, then retry; or attach the file in SmartRecruiters by hand and mark the application delivered.");
        }

        var now = time.GetUtcNow();
        switch (outcome.Kind)
        {
            case SrOutcomeKind.Success:
                if (kind == ApplicationFileKind.Cv)
                {
                    app.ResumeAttachmentId = outcome.Value!.Id;
                    app.State = ApplicationState.ResumeAttached;
                }
                else
                {
                    app.CoverLetterAttachmentId = outcome.Value!.Id;
                }

                app.Attempts = 0;
                app.NextAttemptAt = null;
                ClearError(app);
                if (kind == ApplicationFileKind.CoverLetter || File(app, ApplicationFileKind.CoverLetter) is null)
                {
                    return await FinishAsync(app, ApplicationState.Delivered, stepName, "success", outcome, null, null, null, $"attachment {outcome.Value.Id}");
                }

                return await SaveAsync(app, Step(app, stepName, "success", outcome, $"attachment {outcome.Value.Id}")) ? null : new DeliveryAttempt(DeliveryEnd.Superseded);

            case SrOutcomeKind.NotSent or SrOutcomeKind.InDoubt:
                // An attachment sent twice is a nuisance; a candidate without their CV is a failure: retry it.
                return await NotSentAsync(app, stepName, outcome, now);

            case SrOutcomeKind.CredentialsRejected or SrOutcomeKind.Forbidden:
                return await NeedsAttentionAsync(app, await ConnectionAsync(app), stepName, outcome, now);

            default:
                var (code, reason, remedy) = Rejection(app, outcome, stepName);
                return await FinishAsync(app, ApplicationState.Failed, stepName, outcome.Kind == SrOutcomeKind.NotFound ? "not-found" : "rejected", outcome, code, reason, remedy);
        }
    }

    private async Task<DeliveryAttempt> NotSentAsync(Application app, string stepName, Answer outcomeInfo, DateTimeOffset now)
    {
        app.Attempts++;
        var retryAt = now + options.CurrentValue.Backoff(app.Attempts, outcomeInfo.RetryAfter);
        app.NextAttemptAt = retryAt;
        app.LastErrorCode = "sr.not_sent";
        app.LastError = $"SmartRecruiters did not take the request ({outcomeInfo.Detail}); attempt {app.Attempts + 1} at {retryAt:u}.";
        app.Remedy = "Nothing to do: it is retried automatically.";
        return await SaveAsync(app, Step(app, stepName, outcomeInfo.Kind == SrOutcomeKind.InDoubt ? "in-doubt" : "not-sent", outcomeInfo, $"retry at {retryAt:u}"))
            ? new DeliveryAttempt(DeliveryEnd.NotSent, retryAt)
            : new DeliveryAttempt(DeliveryEnd.Superseded);
    }

    private async Task<DeliveryAttempt> NeedsAttentionAsync(Application app, Connection? connection, string stepName, Answer outcomeInfo, DateTimeOffset now)
    {
        app.LastErrorCode = "connection.needs_attention";
        app.LastError = $"SmartRecruiters refused the connection's credential ({outcomeInfo.Detail}); the application waits in the queue.";
        app.Remedy = "Fix the connection (see its health); the application is delivered afterwards, nothing is lost.";
        if (!await SaveAsync(app, Step(app, stepName, outcomeInfo.Kind == SrOutcomeKind.Forbidden ? "forbidden" : "credentials", outcomeInfo, null)))
        {
            return new DeliveryAttempt(DeliveryEnd.Superseded);
        }

        if (connection is not null)
        {
            await MarkNeedsAttentionAsync(connection, outcomeInfo, now);
        }

        return new DeliveryAttempt(DeliveryEnd.ConnectionNeedsAttention);
    }

    /// <summary>Ends the application (or, for a parked create, hands it to a person), with the event for Hippolyte-rh.</summary>
    private async Task<DeliveryAttempt> FinishAsync(Application app, ApplicationState state, string stepName, string outcome, Answer? outcomeInfo,
        string? code, string? reason, string? remedy, string? detail = null)
    {
        app.State = state;
        app.NextAttemptAt = null;
        app.LastErrorCode = code;
        app.LastError = reason;
        app.Remedy = remedy;
        if (state == ApplicationState.Delivered)
        {
            app.DeliveredAt = time.GetUtcNow();
        }

        var saved = await SaveAsync(app, Step(app, stepName, outcome, outcomeInfo, detail ?? reason), Event(app));
        if (!saved)
        {
            return new DeliveryAttempt(DeliveryEnd.Superseded);
        }

        metrics.Finished(app, time.GetUtcNow());
        Log.Finished(logger, app.Id, app.ConnectionId.Value, state.ToString(), code ?? "-");
        return new DeliveryAttempt(state switch
        {
            ApplicationState.Delivered => DeliveryEnd.Delivered,
            ApplicationState.NeedsReview => DeliveryEnd.NeedsReview,
            _ => DeliveryEnd.Failed,
        });
    }

    /// <summary>
    /// Writes the application if nobody changed it since it was read (its version), with its step and event in the
    /// same transaction. False when it was changed meanwhile: the caller stops. With <paramref name="untilRecorded"/>
    /// (every write after SR answered), a database that does not answer is waited for: this process holds the only
    /// record of what SR did (a candidate created, a file attached), and losing it would park a create in review or
    /// attach a CV twice. It gives up only when the node's shutdown grace is over (then a create is parked for review
    /// by the next lane, as after a crash).
    /// </summary>
    private async Task<bool> SaveAsync(Application app, ApplicationStep? step, OutboxEvent? outboxEvent = null, bool untilRecorded = true)
    {
        var version = app.Version;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TrySaveAsync(app, step, outboxEvent);
            }
            catch (Exception exception) when (untilRecorded && DatabaseFailures.IsUnavailable(exception) && !_abort.IsCancellationRequested)
            {
                // The transaction was rolled back: the version it had moved to, and the entities it tracked (the step,
                // the event), go back to before it.
                app.Version = version;
                db.ChangeTracker.Clear();
                if (attempt == 1)
                {
                    Log.KeptUntilRecorded(logger, app.Id, app.State.ToString());
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), time, CancellationToken.None);
            }
        }
    }

    private async Task<bool> TrySaveAsync(Application app, ApplicationStep? step, OutboxEvent? outboxEvent)
    {
        // Never cancelled: once SR answered, the answer must be recorded (a cancelled write would lose a created candidate).
        var cancellationToken = CancellationToken.None;
        var now = time.GetUtcNow();
        await using var transaction = step is null && outboxEvent is null ? null : await db.Database.BeginTransactionAsync(cancellationToken);
        var expected = app.Version;
        var written = await db.Applications.Where(a => a.Id == app.Id && a.Version == expected && a.ProtectedApplicant != null).ExecuteUpdateAsync(set => set
            .SetProperty(a => a.State, app.State)
            .SetProperty(a => a.SrCandidateId, app.SrCandidateId)
            .SetProperty(a => a.ResumeAttachmentId, app.ResumeAttachmentId)
            .SetProperty(a => a.CoverLetterAttachmentId, app.CoverLetterAttachmentId)
            .SetProperty(a => a.Attempts, app.Attempts)
            .SetProperty(a => a.NextAttemptAt, app.NextAttemptAt)
            .SetProperty(a => a.LeaseOwner, app.LeaseOwner)
            .SetProperty(a => a.LastErrorCode, app.LastErrorCode)
            .SetProperty(a => a.LastError, app.LastError)
            .SetProperty(a => a.Remedy, app.Remedy)
            .SetProperty(a => a.DeliveredAt, app.DeliveredAt)
            .SetProperty(a => a.UpdatedAt, now)
            .SetProperty(a => a.Version, expected + 1), cancellationToken);
        if (written == 0)
        {
            Log.Superseded(logger, app.Id, app.State.ToString());
            return false;
        }

        app.Version = expected + 1;
        if (step is not null)
        {
            db.ApplicationSteps.Add(step);
        }

        if (outboxEvent is not null)
        {
            db.OutboxEvents.Add(outboxEvent);
        }

        if (transaction is not null)
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        return true;
    }

    /// <summary>A refused credential or scope needs a person: the connection says so (once), with its event.</summary>
    private async Task MarkNeedsAttentionAsync(Connection connection, Answer outcome, DateTimeOffset now)
    {
        var (reason, detail) = outcome switch
        {
            { Kind: SrOutcomeKind.CredentialsRejected } => (AttentionReason.CredentialsInvalid, outcome.Detail ?? "SmartRecruiters refused the credential."),
            { Kind: SrOutcomeKind.Forbidden, Forbidden: SrForbiddenReason.ApiAccessDisabled } => (AttentionReason.ApiAccessDisabled, outcome.Detail ?? "No access to the Customer API."),
            _ => (AttentionReason.ScopeMissing, outcome.Detail ?? "A scope is missing."),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var changed = await db.Connections
            .Where(c => c.Id == connection.Id && (c.Status == ConnectionStatus.Active
                                                  || (c.Status == ConnectionStatus.NeedsAttention && c.AttentionReason == AttentionReason.Unreachable)))
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Status, ConnectionStatus.NeedsAttention)
                .SetProperty(c => c.AttentionReason, reason)
                .SetProperty(c => c.AttentionDetail, detail.Length > 1000 ? detail[..1000] : detail)
                .SetProperty(c => c.Version, c => c.Version + 1)
                .SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.UpdatedBy, "system:delivery"), CancellationToken.None);
        if (changed == 1)
        {
            db.ConnectionAudit.Add(new ConnectionAudit
            {
                ConnectionId = connection.Id, At = now, Actor = "system:delivery", Action = "health_changed", Detail = $"{ConnectionStatus.NeedsAttention} ({reason})",
            });
            db.OutboxEvents.Add(OutboxEvent.Create(connection.Id, EventTypes.ConnectionHealthChanged,
                new HealthEventPayload(connection.Id.Value, nameof(ConnectionStatus.NeedsAttention), reason.ToString(), detail), now, EventJsonContext.Default.HealthEventPayload));
            await db.SaveChangesAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            Log.ConnectionNeedsAttention(logger, connection.Id.Value, reason.ToString());
        }

        await transaction.CommitAsync(CancellationToken.None);
    }

    private Task<Connection?> ConnectionAsync(Application app) =>
        db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == app.ConnectionId, CancellationToken.None);

    private SrFile? File(Application app, ApplicationFileKind kind)
    {
        var file = app.Files.FirstOrDefault(f => f.Kind == kind && f.DeletedAt is null && f.WrappedKey is not null);
        if (file is null)
        {
            return null;
        }

        var name = file.ProtectedFileName is { } protectedName ? applicants.UnprotectFileName(protectedName) : file.StoredName;
        var storedName = file.StoredName;
        var key = file.WrappedKey!;
        return new SrFile(name, file.ContentType, file.Length, _ => ValueTask.FromResult(files.OpenRead(storedName, key)));
    }

    /// <summary>SR's <c>CandidateInput</c>: the applicant's own data, tagged with the connection's tags and the channel.</summary>
    internal static CandidateInput Candidate(ApplicantInput applicant, Application app, Connection connection)
    {
        var tags = connection.Tags.Concat(applicant.Tags ?? []).Append(app.Channel).OfType<string>()
            .Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new CandidateInput
        {
            FirstName = applicant.FirstName!,
            LastName = applicant.LastName!,
            Email = applicant.Email!,
            PhoneNumber = applicant.PhoneNumber,
            Location = applicant.Location is { } l ? new CandidateLocation(l.Country, l.CountryCode?.ToUpperInvariant(), l.RegionCode, l.Region, l.City, null, null) : null,
            Web = applicant.Web is { } w ? new CandidateWeb(w.Skype, w.Linkedin, w.Facebook, w.Twitter, w.Website) : null,
            Tags = tags.Count == 0 ? null : tags,
            Education = applicant.Education?.Select(e => new CandidateEducation(e.Institution, e.Degree, e.Major, e.Current, e.Location, e.StartDate, e.EndDate, e.Description)).ToList(),
            Experience = applicant.Experience?.Select(e => new CandidateExperience(e.Title, e.Company, e.Current, e.StartDate, e.EndDate, e.Location, e.Description)).ToList(),
            SourceDetails = connection is { SourceTypeId: { } type, SourceId: { } source } ? new SourceDetails(type, connection.SourceSubTypeId, source) : null,
        };
    }

    /// <summary>SR's refusal in plain words, with what a person can do. SR's messages may quote the applicant, so only codes are kept.</summary>
    private static (string Code, string Reason, string Remedy) Rejection(Application app, Answer outcome, string stepName)
    {
        var codes = outcome.Errors.Select(e => e.Code).OfType<string>().ToList();
        var srCodes = codes.Count == 0 ? "" : $": {string.Join(", ", codes)}";
        var job = app.SrJobId is null ? "the general pool" : $"job {app.SrJobId}";
        var attached = stepName == "create" ? "" : $"Candidate {app.SrCandidateId} exists in SmartRecruiters, but the {(stepName == "attach-resume" ? "CV" : "cover letter")} was refused. ";
        return (outcome.Kind, outcome.StatusCode) switch
        {
            (SrOutcomeKind.NotFound, _) when stepName == "create" => ("sr.job_not_found",
                $"SmartRecruiters no longer has {job} (404): it was deleted, or belongs to another company.",
                "Check the job in SmartRecruiters; to keep the applicant, submit the application again on an open job."),
            (SrOutcomeKind.NotFound, _) => ("sr.candidate_not_found",
                $"SmartRecruiters no longer has candidate {app.SrCandidateId} on {job} (404), so the file could not be attached.",
                "Check the candidate in SmartRecruiters (it may have been deleted or merged); attach the file by hand and mark the application delivered."),
            (_, 422) when codes.Contains("RESUME_NOT_PARSABLE") => ("sr.resume_not_parsable",
                $"SmartRecruiters could not read a name or e-mail address in the CV to create the candidate (422{srCodes}).",
                "Switch this connection to JSON delivery (the default: the applicant's own data) and retry, or ask the applicant for a text-based CV."),
            (_, 422) when stepName == "create" => ("sr.job_not_accepting",
                $"SmartRecruiters refused the applicant: {job} is not accepting candidates (422{srCodes}). It was probably filled, cancelled or put on hold after the application was accepted.",
                "Reopen the job in SmartRecruiters and retry, or tell the applicant the job is closed."),
            (_, 409) when stepName == "create" => ("sr.duplicate",
                $"SmartRecruiters says this applicant has already applied to {job} (409{srCodes}).",
                "Nothing is lost: find the existing candidate in SmartRecruiters and mark this application delivered with its id."),
            (_, 413) => ("sr.file_too_large", $"{attached}SmartRecruiters refused the file as too large (413{srCodes}).",
                "Attach a smaller version of the file in SmartRecruiters by hand, then mark the application delivered."),
            (_, 415) => ("sr.file_type_refused", $"{attached}SmartRecruiters refused the file's type (415{srCodes}).",
                "Attach the file in another format in SmartRecruiters by hand, then mark the application delivered."),
            _ => ("sr.rejected", $"{attached}SmartRecruiters refused the request ({outcome.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no status"}{srCodes}).",
                "Check the applicant's data against SmartRecruiters' rules, correct it at the source and submit again, or retry if the rule changed."),
        };
    }

    internal static string ReviewRemedy(Application app) =>
        $"Look for the applicant in SmartRecruiters ({(app.SrJobId is null ? "general applications" : $"job {app.SrJobId}")}): if they are there, mark this application " +
        "delivered with their candidate id; if not, retry it with confirmMayDuplicate=true.";

    private static void ClearError(Application app)
    {
        app.LastErrorCode = null;
        app.LastError = null;
        app.Remedy = null;
    }

    private ApplicationStep Step(Application app, string step, string outcome, Answer? info, string? detail) => new()
    {
        ApplicationId = app.Id,
        At = time.GetUtcNow(),
        Step = step,
        Outcome = outcome,
        StatusCode = info?.StatusCode,
        Detail = Cap(detail ?? info?.Detail, 1000),
        Actor = "system:delivery",
        Node = Owner,
    };

    internal OutboxEvent? Event(Application app) => ApplicationEvents.For(app, time.GetUtcNow());

    private static string? Cap(string? text, int length) => text is { Length: > 0 } t && t.Length > length ? t[..length] : text;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Application {ApplicationId} of connection {ConnectionId}: {State} ({Code})")]
        public static partial void Finished(ILogger logger, Guid applicationId, Guid connectionId, string state, string code);

        [LoggerMessage(2, LogLevel.Debug, "Application {ApplicationId} changed meanwhile; this lane stops at {State}")]
        public static partial void Superseded(ILogger logger, Guid applicationId, string state);

        [LoggerMessage(3, LogLevel.Error, "Application {ApplicationId}: a file could not be read from the encrypted store")]
        public static partial void FileUnavailable(ILogger logger, Exception exception, Guid applicationId);

        [LoggerMessage(4, LogLevel.Warning, "Connection {ConnectionId} needs attention ({Reason}); its applications wait")]
        public static partial void ConnectionNeedsAttention(ILogger logger, Guid connectionId, string reason);

        [LoggerMessage(5, LogLevel.Information, "Application {ApplicationId}: SR's answer ({State}) is kept until the database answers again")]
        public static partial void KeptUntilRecorded(ILogger logger, Guid applicationId, string state);
    }
}

/// <summary>Thrown by the fence when the application changed meanwhile: the create is abandoned before it leaves.</summary>
internal sealed class SupersededException : Exception;

/// <summary>What the delivery needs of an SR answer, whatever its value type.</summary>
internal sealed record Answer(SrOutcomeKind Kind, int? StatusCode, string? Detail, TimeSpan? RetryAfter, IReadOnlyList<SrError> Errors, SrForbiddenReason? Forbidden)
{
    public static implicit operator Answer(SrOutcome<CandidateDetails> o) => new(o.Kind, o.StatusCode, o.Detail, o.RetryAfter, o.Errors, o.Forbidden);

    public static implicit operator Answer(SrOutcome<SrAttachment> o) => new(o.Kind, o.StatusCode, o.Detail, o.RetryAfter, o.Errors, o.Forbidden);
}

/// <summary>The webhook events of applications reaching an end.</summary>
internal static class ApplicationEvents
{
    public static OutboxEvent? For(Application app, DateTimeOffset at)
    {
        var type = app.State switch
        {
            ApplicationState.Delivered => EventTypes.ApplicationDelivered,
            ApplicationState.Failed => EventTypes.ApplicationFailed,
            ApplicationState.NeedsReview => EventTypes.ApplicationNeedsReview,
            _ => null,
        };
        return type is null
            ? null
            : OutboxEvent.Create(app.ConnectionId, type,
                new ApplicationEventPayload(app.ConnectionId.Value, app.Id, app.SrJobId, app.ExternalId, app.State.ToString(), app.SrCandidateId, app.LastErrorCode,
                    app.LastError, app.Remedy), at, ApplicationEventJsonContext.Default.ApplicationEventPayload);
    }
}
