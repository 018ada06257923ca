using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Applications;

/// <summary>The result of a person's action on an application.</summary>
public enum AdminResult
{
    Done,

    /// <summary>Nothing to do: it is already in the asked state (retry and erase are idempotent).</summary>
    Unchanged,
    NotFound,

    /// <summary>Not allowed from its current state (see the result's reason).</summary>
    Conflict,
}

public sealed record AdminOutcome(AdminResult Result, Application? Application = null, string? Code = null, string? Reason = null);

/// <summary>
/// What people and the lane's housekeeping do to applications besides delivering them: retry, mark delivered,
/// erase (GDPR), park interrupted creates, fail what a disconnection left. Every change is conditional on the
/// version read, like the delivery's own, so it never races a lane into a wrong state.
/// </summary>
public sealed partial class ApplicationAdmin(
    PasserelleDbContext db, EncryptedFileStore files, TimeProvider time, ApplicationMetrics metrics, ILogger<ApplicationAdmin> logger)
{
    /// <summary>
    /// Sends a <c>Failed</c> or <c>NeedsReview</c> application again, from where it stopped (a created candidate is
    /// not created again). A <c>NeedsReview</c> one is re-created only with <paramref name="confirmMayDuplicate"/>:
    /// the person has checked SR. Retrying one already on its way changes nothing.
    /// </summary>
    public async Task<AdminOutcome> RetryAsync(Guid id, bool confirmMayDuplicate, string actor, CancellationToken cancellationToken)
    {
        var app = await LoadAsync(id, cancellationToken);
        if (app is null)
        {
            return new AdminOutcome(AdminResult.NotFound);
        }

        switch (app.State)
        {
            case ApplicationState.Delivered:
                return new AdminOutcome(AdminResult.Conflict, app, "application.already_delivered", "This application is already delivered: there is nothing to retry.");
            case ApplicationState.Queued or ApplicationState.Retrying or ApplicationState.Creating or ApplicationState.CandidateCreated or ApplicationState.ResumeAttached:
                return new AdminOutcome(AdminResult.Unchanged, app);
            case ApplicationState.NeedsReview when !confirmMayDuplicate:
                return new AdminOutcome(AdminResult.Conflict, app, "application.confirm_may_duplicate",
                    "This application may already exist in SmartRecruiters. Look for the applicant there first: if found, mark it delivered; if not, retry with confirmMayDuplicate=true.");
        }

        if (app.ProtectedApplicant is null)
        {
            return new AdminOutcome(AdminResult.Conflict, app, "application.erased", "This application was erased: its data is gone and it cannot be sent again.");
        }

        var connection = await db.Connections.AsNoTracking().SingleAsync(c => c.Id == app.ConnectionId, cancellationToken);
        if (connection.Status == ConnectionStatus.Disconnected)
        {
            return new AdminOutcome(AdminResult.Conflict, app, "connection.disconnected", "The connection is disconnected: this application cannot be sent. Submit it on an active connection.");
        }

        if (app.Files.All(f => f.Kind != ApplicationFileKind.Cv || f.WrappedKey is null) && app.ResumeAttachmentId is null)
        {
            return new AdminOutcome(AdminResult.Conflict, app, "application.files_deleted", "The CV of this application is no longer stored (retention or erasure): ask the applicant to apply again.");
        }

        var resumeFrom = app.SrCandidateId is null ? ApplicationState.Queued
            : app.ResumeAttachmentId is null ? ApplicationState.CandidateCreated
            : ApplicationState.ResumeAttached;
        var changed = await TransitionAsync(app, resumeFrom, "retry", confirmMayDuplicate && app.State == ApplicationState.NeedsReview ? "confirmed-may-duplicate" : "requested",
            actor, null, cancellationToken, a => a.Attempts = 0);
        return changed ? new AdminOutcome(AdminResult.Done, app) : new AdminOutcome(AdminResult.Conflict, app, "application.changed", "The application changed meanwhile: read it again and retry.");
    }

    /// <summary>A person found the applicant in SR (after a review, or a refusal as duplicate): record it as delivered with that candidate id.</summary>
    public async Task<AdminOutcome> MarkDeliveredAsync(Guid id, string srCandidateId, string actor, CancellationToken cancellationToken)
    {
        var app = await LoadAsync(id, cancellationToken);
        if (app is null)
        {
            return new AdminOutcome(AdminResult.NotFound);
        }

        if (app.State == ApplicationState.Delivered)
        {
            return app.SrCandidateId == srCandidateId
                ? new AdminOutcome(AdminResult.Unchanged, app)
                : new AdminOutcome(AdminResult.Conflict, app, "application.already_delivered", $"This application is already delivered, as candidate {app.SrCandidateId}.");
        }

        if (app.State is not (ApplicationState.NeedsReview or ApplicationState.Failed))
        {
            return new AdminOutcome(AdminResult.Conflict, app, "application.in_progress",
                $"This application is {app.State} and still on its way: only a failed application or one in review can be marked delivered.");
        }

        var changed = await TransitionAsync(app, ApplicationState.Delivered, "mark-delivered", "done", actor, $"candidate {srCandidateId}", cancellationToken, a =>
        {
            a.SrCandidateId = srCandidateId;
            a.DeliveredAt = time.GetUtcNow();
            a.LastErrorCode = null;
            a.LastError = null;
            a.Remedy = null;
        });
        return changed ? new AdminOutcome(AdminResult.Done, app) : new AdminOutcome(AdminResult.Conflict, app, "application.changed", "The application changed meanwhile: read it again and retry.");
    }

    /// <summary>
    /// Erases the applicant's personal data and files (GDPR), keeping an anonymous delivery record: ids, state,
    /// steps, SR's candidate id. An application not yet delivered will not be: it ends <c>Failed</c> (erased).
    /// The files' keys are dropped with the row's data, so no copy of their bytes can be read again.
    /// </summary>
    public async Task<AdminOutcome> EraseAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var app = await LoadAsync(id, cancellationToken);
        if (app is null)
        {
            return new AdminOutcome(AdminResult.NotFound);
        }

        if (app.ErasedAt is not null)
        {
            return new AdminOutcome(AdminResult.Unchanged, app);
        }

        var now = time.GetUtcNow();
        var stopped = !app.IsFinished;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var expected = app.Version;
            var state = stopped ? ApplicationState.Failed : app.State;
            var written = await db.Applications.Where(a => a.Id == id && a.Version == expected).ExecuteUpdateAsync(set => set
                .SetProperty(a => a.ProtectedApplicant, (string?)null)
                .SetProperty(a => a.ErasedAt, now)
                .SetProperty(a => a.State, state)
                .SetProperty(a => a.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(a => a.LastErrorCode, stopped ? "application.erased" : app.LastErrorCode)
                .SetProperty(a => a.LastError, stopped ? "The applicant's data was erased before delivery." : app.LastError)
                .SetProperty(a => a.Remedy, stopped ? (string?)null : app.Remedy)
                .SetProperty(a => a.UpdatedAt, now)
                .SetProperty(a => a.Version, expected + 1), cancellationToken);
            if (written == 0)
            {
                return new AdminOutcome(AdminResult.Conflict, app, "application.changed", "The application changed meanwhile: read it again and erase it again.");
            }

            await db.ApplicationFiles.Where(f => f.ApplicationId == id).ExecuteUpdateAsync(set => set
                .SetProperty(f => f.WrappedKey, (string?)null)
                .SetProperty(f => f.ProtectedFileName, (string?)null)
                .SetProperty(f => f.DeletedAt, f => f.DeletedAt ?? now), cancellationToken);
            db.ApplicationSteps.Add(new ApplicationStep { ApplicationId = id, At = now, Step = "erase", Outcome = "done", Actor = actor });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // After the commit: the keys are gone already; the bytes follow (the sweeper catches any a crash leaves).
        foreach (var file in app.Files)
        {
            files.Delete(file.StoredName);
        }

        Log.Erased(logger, id, app.ConnectionId.Value);
        db.ChangeTracker.Clear();
        return new AdminOutcome(AdminResult.Done, await LoadAsync(id, cancellationToken));
    }

    /// <summary>
    /// Applications left in <c>Creating</c> by a lane that is gone (its node stopped mid-call) may exist in SR: they
    /// go to review rather than being created again. Called by each delivery round before it delivers.
    /// </summary>
    public async Task<int> ParkInterruptedAsync(ConnectionId connectionId, string owner, CancellationToken cancellationToken)
    {
        var stuck = await db.Applications.AsNoTracking().Where(a => a.ConnectionId == connectionId && a.State == ApplicationState.Creating).ToListAsync(cancellationToken);
        var parked = 0;
        foreach (var app in stuck)
        {
            var remedy = ApplicationDelivery.ReviewRemedy(app);
            if (await TransitionAsync(app, ApplicationState.NeedsReview, "interrupted", "in-doubt", "system:delivery",
                    $"lane {app.LeaseOwner} stopped during the create; parked by {owner}", cancellationToken, a =>
                    {
                        a.LastErrorCode = "delivery.interrupted";
                        a.LastError = "Passerelle stopped while the create request was in flight: the candidate may exist in SmartRecruiters.";
                        a.Remedy = remedy;
                    }))
            {
                parked++;
            }
        }

        return parked;
    }

    /// <summary>A disconnected connection delivers nothing more: what was waiting fails, with the reason, rather than waiting forever.</summary>
    public async Task<int> FailForDisconnectionAsync(ConnectionId connectionId, CancellationToken cancellationToken)
    {
        var waiting = await db.Applications.AsNoTracking().Where(a => a.ConnectionId == connectionId && DeliveryPump.Pending.Contains(a.State)).ToListAsync(cancellationToken);
        var failed = 0;
        foreach (var app in waiting)
        {
            if (await TransitionAsync(app, ApplicationState.Failed, "disconnected", "cancelled", "system:delivery", null, cancellationToken, a =>
                {
                    a.NextAttemptAt = null;
                    a.LastErrorCode = "connection.disconnected";
                    a.LastError = "The connection was disconnected before this application was delivered.";
                    a.Remedy = "Submit the application again on an active connection of this customer.";
                }))
            {
                failed++;
            }
        }

        return failed;
    }

    private Task<Application?> LoadAsync(Guid id, CancellationToken cancellationToken) =>
        db.Applications.AsNoTracking().Include(a => a.Files).SingleOrDefaultAsync(a => a.Id == id, cancellationToken);

    private async Task<bool> TransitionAsync(Application app, ApplicationState state, string step, string outcome, string actor, string? detail,
        CancellationToken cancellationToken, Action<Application>? change = null)
    {
        var now = time.GetUtcNow();
        app.State = state;
        change?.Invoke(app);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var expected = app.Version;
        var written = await db.Applications.Where(a => a.Id == app.Id && a.Version == expected).ExecuteUpdateAsync(set => set
            .SetProperty(a => a.State, app.State)
            .SetProperty(a => a.SrCandidateId, app.SrCandidateId)
            .SetProperty(a => a.Attempts, app.Attempts)
            .SetProperty(a => a.NextAttemptAt, (DateTimeOffset?)null)
            .SetProperty(a => a.LastErrorCode, app.LastErrorCode)
            .SetProperty(a => a.LastError, app.LastError)
            .SetProperty(a => a.Remedy, app.Remedy)
            .SetProperty(a => a.DeliveredAt, app.DeliveredAt)
            .SetProperty(a => a.UpdatedAt, now)
            .SetProperty(a => a.Version, expected + 1), cancellationToken);
        if (written == 0)
        {
            return false;
        }

        app.Version = expected + 1;
        db.ApplicationSteps.Add(new ApplicationStep { ApplicationId = app.Id, At = now, Step = step, Outcome = outcome, Actor = actor, Detail = detail });
        if (ApplicationEvents.For(app, now) is { } outboxEvent)
        {
            db.OutboxEvents.Add(outboxEvent);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (app.IsFinished)
        {
            metrics.Finished(app, now);
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Application {ApplicationId} of connection {ConnectionId} erased")]
        public static partial void Erased(ILogger logger, Guid applicationId, Guid connectionId);
    }
}
