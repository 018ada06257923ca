using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Core.Webhooks;
using Passerelle.SmartRecruiters;
using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.Core.Jobs;

/// <summary>
/// One sync of a connection's jobs with the fewest SR calls: a listing (only jobs updated since the watermark, for
/// an incremental sync), then details only for jobs that are new or whose <c>updatedOn</c> changed. A full sync
/// also closes jobs, but only those missing from two consecutive complete listings, never on a partial one.
/// Testable without the lanes, which schedule it.
/// </summary>
public sealed class JobSync(PasserelleDbContext db, SmartRecruitersClient sr, SecretProtector secrets, TimeProvider time)
{
    /// <summary>
    /// The watermark is set this long before the last complete listing started (by our clock), so a job updated
    /// while that listing ran, an update SR indexed late, or a clock difference with SR of up to this much, is
    /// listed again rather than missed. Jobs updated before it were all in that listing.
    /// </summary>
    public static readonly TimeSpan WatermarkOverlap = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Job details fetched at once. At SR's usual latency (up to ~400 ms) four in flight already reach 10 requests/s,
    /// the rate budget's pace; staying at half of SR's in-flight limit (8) leaves room for the credential's other
    /// calls (applicant delivery) and keeps a loaded node from racing SR's in-flight count.
    /// </summary>
    private const int DetailConcurrency = 4;

    /// <summary>Details are fetched in batches of this many listed jobs (a listing page), so memory stays flat.</summary>
    private const int DetailBatch = 100;

    /// <summary>Transient failures for this long make the connection NeedsAttention(Unreachable). Default 1 h.</summary>
    public TimeSpan UnreachableAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The node running this sync, recorded on its run (the lane sets it).</summary>
    public string? Node { get; set; }

    /// <summary>Runs a sync now (the lanes' schedule, and tests).</summary>
    public Task<SyncRun?> RunOnceAsync(ConnectionId id, SyncKind kind, CancellationToken cancellationToken = default) =>
        RunAsync(id, kind, queued: null, cancellationToken);

    /// <summary>
    /// Runs a queued run ("sync now"), if it is still queued: claimed by a conditional update, so that of two
    /// activations of a lane (a brief overlap during a failover) only one runs it. Null when somebody else has it.
    /// </summary>
    /// <summary>
    /// Runs a lane's predecessor left <c>Running</c> (its node stopped mid-sync) get their answer. Called when a lane
    /// starts: the connection's only runner is that lane, so a run still "Running" then is nobody's.
    /// </summary>
    public async Task<int> CloseOrphanedRunsAsync(ConnectionId id, CancellationToken cancellationToken = default) =>
        await db.SyncRuns.Where(r => r.ConnectionId == id && r.State == SyncRunState.Running).ExecuteUpdateAsync(set => set
            .SetProperty(r => r.State, SyncRunState.Finished)
            .SetProperty(r => r.FinishedAt, time.GetUtcNow())
            .SetProperty(r => r.Error, "The sync was interrupted (its node stopped); the next sync carries on."), cancellationToken);

    public async Task<SyncRun?> RunQueuedAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        int claimed;
        try
        {
            claimed = await db.SyncRuns.Where(r => r.Id == runId && r.State == SyncRunState.Queued)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.State, SyncRunState.Running).SetProperty(r => r.StartedAt, time.GetUtcNow()), cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // Another sync of this connection is running (the one-running-sync index): the run stays queued for later.
            return null;
        }

        if (claimed == 0)
        {
            return null;
        }

        var run = await db.SyncRuns.SingleAsync(r => r.Id == runId, cancellationToken);
        return await RunAsync(run.ConnectionId, run.Kind, run, cancellationToken);
    }

    /// <summary>
    /// Queues a "sync now" and returns its run, or the run already queued for this connection (asking twice
    /// does not sync twice). The lane runs it.
    /// </summary>
    public async Task<SyncRun> QueueAsync(ConnectionId id, SyncKind kind, string trigger, CancellationToken cancellationToken = default)
    {
        var waiting = await db.SyncRuns.Where(r => r.ConnectionId == id && r.State == SyncRunState.Queued).OrderBy(r => r.RequestedAt).FirstOrDefaultAsync(cancellationToken);
        if (waiting is not null)
        {
            // A full sync asked while an incremental one waits widens it: one run, the larger scope. Only while it
            // still waits: once the lane has taken it, a new run is queued instead.
            if (kind != SyncKind.Full || waiting.Kind == SyncKind.Full)
            {
                return waiting;
            }

            var widened = await db.SyncRuns.Where(r => r.Id == waiting.Id && r.State == SyncRunState.Queued)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.Kind, SyncKind.Full), cancellationToken);
            if (widened == 1)
            {
                waiting.Kind = SyncKind.Full;
                return waiting;
            }
        }

        var now = time.GetUtcNow();
        var run = new SyncRun { ConnectionId = id, Kind = kind, State = SyncRunState.Queued, Trigger = Cap(trigger, 200)!, RequestedAt = now, StartedAt = now };
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    private async Task<SyncRun?> RunAsync(ConnectionId id, SyncKind kind, SyncRun? queued, CancellationToken cancellationToken)
    {
        // Read, not tracked: the connection is written back with conditional updates (see SaveAsync), so that an
        // account manager's edit or a probe during a long sync neither fails the sync nor is overwritten by it.
        var connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        // A connection waiting for a person (credential refused, scope missing, API off, wrong company) is not called
        // until it is fixed; one that is only unreachable keeps trying, which is how it recovers.
        if (connection?.ProtectedSecret is null || connection.Status == ConnectionStatus.Disconnected
            || connection is { Status: ConnectionStatus.NeedsAttention, AttentionReason: not Connections.AttentionReason.Unreachable })
        {
            if (queued is not null)
            {
                queued.State = SyncRunState.Finished;
                queued.FinishedAt = time.GetUtcNow();
                queued.Error = connection is null ? "The connection no longer exists."
                    : $"Not run: the connection is {connection.Status}{(connection.AttentionReason is { } reason ? $" ({reason})" : "")}; fix it and sync again.";
                await db.SaveChangesAsync(cancellationToken);
            }

            return null;
        }

        var started = time.GetUtcNow();
        var run = queued ?? new SyncRun { ConnectionId = id, Kind = kind, RequestedAt = started, StartedAt = started };
        run.State = SyncRunState.Running;
        run.StartedAt = started;
        run.Node = Node;
        if (queued is null)
        {
            // Recorded as running before anything is asked of SR: the one-running-sync-per-connection index turns a
            // second, concurrent sync of this connection (two lanes during a failover) away here.
            db.SyncRuns.Add(run);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                return null;
            }
        }

        try
        {
            return await SyncAsync(connection, kind, run, cancellationToken);
        }
        catch (Exception exception)
        {
            // Whatever happened (SR, the database, a node stopping), the run gets an answer instead of "Running" forever.
            await RecordFailureAsync(run, exception);
            throw;
        }
    }

    private async Task RecordFailureAsync(SyncRun run, Exception exception)
    {
        db.ChangeTracker.Clear();
        var error = exception is OperationCanceledException
            ? "The sync was interrupted (the node stopped or the lane moved); the next sync carries on."
            : $"The sync failed ({exception.GetType().Name}); the lane tries again later.";
        var finished = time.GetUtcNow();
        try
        {
            await db.SyncRuns.Where(r => r.Id == run.Id && r.State == SyncRunState.Running).ExecuteUpdateAsync(set => set
                .SetProperty(r => r.State, SyncRunState.Finished).SetProperty(r => r.FinishedAt, finished)
                .SetProperty(r => r.Complete, false).SetProperty(r => r.Error, error), CancellationToken.None);
        }
        catch (Exception)
        {
            // The database itself is what failed: the lane's log has the original exception, and the next lane to
            // start closes the run.
        }
    }

    private async Task<SyncRun> SyncAsync(Connection connection, SyncKind kind, SyncRun run, CancellationToken cancellationToken)
    {
        var id = connection.Id;
        var seenStatus = (connection.Status, connection.AttentionReason);
        var seenWatermark = connection.SyncWatermark;
        var credential = new SrCredential(id.ToString(), new Uri(connection.BaseUrl), connection.ClientId,
            new InMemorySecret(secrets.Unprotect(connection.ProtectedSecret!, id.ToString())));
        var offers = await db.JobOffers.Where(o => o.ConnectionId == id).ToDictionaryAsync(o => o.SrJobId, cancellationToken);
        var updatedAfter = kind == SyncKind.Incremental ? connection.SyncWatermark : null;
        var listingStartedAt = time.GetUtcNow();

        var listing = sr.ListJobsAsync(credential, new JobQuery { UpdatedAfter = updatedAfter });
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Events are written once the offers are final (postings linked), each offer at most once per run.
        var changes = new Dictionary<JobOffer, string>(ReferenceEqualityComparer.Instance);
        // A job whose details could not be read is listed again next time: the watermark stays before it.
        DateTimeOffset? oldestFailed = null;
        var pending = new List<(JobSummary Summary, JobOffer? Existing)>(DetailBatch);

        // Details are fetched several at a time (the client's rate budget paces them to SR's limits) and applied
        // one at a time, since the DbContext is not thread-safe.
        async Task FetchPendingAsync()
        {
            var fetched = new SrOutcome<JobDetails>[pending.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, pending.Count),
                new ParallelOptions { MaxDegreeOfParallelism = DetailConcurrency, CancellationToken = cancellationToken },
                async (i, token) => fetched[i] = await sr.GetJobAsync(credential, pending[i].Summary.Id, cancellationToken: token));
            for (var i = 0; i < pending.Count; i++)
            {
                var (summary, existing) = pending[i];
                var details = fetched[i];
                run.SrCalls++;
                if (details.Kind == SrOutcomeKind.NotFound)
                {
                    // Deleted between the listing and now: nothing to store; a full listing will close it.
                    continue;
                }

                if (!details.IsSuccess)
                {
                    run.Error ??= details.Detail;
                    var listedAt = summary.UpdatedOn ?? DateTimeOffset.MinValue;
                    oldestFailed = oldestFailed is { } earlier && earlier < listedAt ? earlier : listedAt;
                    continue;
                }

                var isNew = existing is null;
                if (existing is null)
                {
                    existing = new JobOffer { ConnectionId = id, SrJobId = summary.Id, RawJson = details.Value.RawJson, FirstSeenAt = run.StartedAt };
                    db.JobOffers.Add(existing);
                    offers[summary.Id] = existing;
                    run.Created++;
                }
                else if (!changes.ContainsKey(existing))
                {
                    run.Updated++;
                }

                Apply(existing, details.Value, run.StartedAt);
                changes[existing] = isNew || changes.GetValueOrDefault(existing) == EventTypes.JobCreated ? EventTypes.JobCreated : EventTypes.JobUpdated;
            }

            pending.Clear();
        }

        await foreach (var summary in listing.WithCancellation(cancellationToken))
        {
            if (!seen.Add(summary.Id))
            {
                continue;
            }

            offers.TryGetValue(summary.Id, out var existing);
            if (existing is not null && existing.SrUpdatedOn == summary.UpdatedOn && !existing.IsClosed)
            {
                continue;
            }

            pending.Add((summary, existing));
            if (pending.Count == DetailBatch)
            {
                await FetchPendingAsync();
            }
        }

        await FetchPendingAsync();

        run.Pages = listing.Pages;
        run.SrCalls += listing.Pages;
        run.Complete = listing.IsComplete;
        if (!listing.IsComplete)
        {
            run.Error = listing.Failure?.Detail ?? $"The listing stopped early ({listing.Stop}).";
        }
        else
        {
            // Only forward: a full sync that started earlier than the last incremental one does not widen the next.
            var watermark = listingStartedAt - WatermarkOverlap;
            if (oldestFailed is { } failedAt && failedAt - TimeSpan.FromTicks(1) < watermark)
            {
                watermark = failedAt - TimeSpan.FromTicks(1);
            }

            if (connection.SyncWatermark is null || watermark > connection.SyncWatermark || oldestFailed is not null)
            {
                connection.SyncWatermark = watermark;
            }

            if (kind == SyncKind.Full)
            {
                foreach (var offer in offers.Values.Where(o => !o.IsClosed))
                {
                    if (seen.Contains(offer.SrJobId))
                    {
                        offer.MissingListings = 0;
                    }
                    else if (++offer.MissingListings >= 2)
                    {
                        offer.IsClosed = true;
                        offer.ClosedAt = run.StartedAt;
                        run.Closed++;
                        changes[offer] = EventTypes.JobClosed;
                    }
                }
            }
        }

        if (listing.IsComplete && (kind == SyncKind.Full || run.Created + run.Updated > 0))
        {
            await LinkPostingsAsync(connection, offers.Values, run, changes, cancellationToken);
        }

        foreach (var (offer, type) in changes)
        {
            Event(offer, type, run.StartedAt);
        }

        var health = UpdateHealth(connection, listing.Failure, run);
        run.FinishedAt = time.GetUtcNow();
        run.State = SyncRunState.Finished;

        // One transaction: offers, events, the run and the connection's state are stored together or not at all.
        // The connection is updated only if it was not disconnected meanwhile, and its health only if nobody
        // changed it since it was read.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var live = await db.Connections.Where(c => c.Id == id && c.Status != ConnectionStatus.Disconnected).ExecuteUpdateAsync(set =>
        {
            if (connection.SyncWatermark != seenWatermark)
            {
                set.SetProperty(c => c.SyncWatermark, connection.SyncWatermark);
            }

            set.SetProperty(c => c.UnreachableSince, connection.UnreachableSince);
        }, cancellationToken);
        var healthApplied = health is not null && live == 1 && await db.Connections
            .Where(c => c.Id == id && c.Status == seenStatus.Status && c.AttentionReason == seenStatus.AttentionReason)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Status, connection.Status)
                .SetProperty(c => c.AttentionReason, connection.AttentionReason)
                .SetProperty(c => c.AttentionDetail, connection.AttentionDetail)
                .SetProperty(c => c.Version, c => c.Version + 1)
                .SetProperty(c => c.UpdatedAt, connection.UpdatedAt)
                .SetProperty(c => c.UpdatedBy, connection.UpdatedBy), cancellationToken) == 1;
        if (health is { } change && !healthApplied)
        {
            db.Entry(change.Audit).State = EntityState.Detached;
            db.Entry(change.Event).State = EntityState.Detached;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return run;
    }

    /// <summary>
    /// Links each open offer to its public postings (SR publishes a job once per language, each posting carrying
    /// the job's <c>refNumber</c>). The Posting API is public, so this costs nothing of the credential's budget.
    /// An offer whose postings changed is an updated offer.
    /// </summary>
    private async Task LinkPostingsAsync(Connection connection, IEnumerable<JobOffer> offers, SyncRun run, Dictionary<JobOffer, string> changes, CancellationToken cancellationToken)
    {
        var postings = await sr.ListPostingsAsync(new Uri(connection.BaseUrl), connection.CompanyIdentifier, cancellationToken);
        run.PostingCalls += postings.Attempts;
        if (!postings.IsSuccess)
        {
            run.Error ??= $"Public postings could not be read (links kept as they were): {postings.Detail}";
            return;
        }

        var byReference = postings.Value.Where(p => !string.IsNullOrEmpty(p.RefNumber))
            .ToLookup(p => p.RefNumber!, StringComparer.Ordinal);
        foreach (var offer in offers.Where(o => !o.IsClosed))
        {
            var linked = offer.RefNumber is { } reference
                ? byReference[reference].OrderBy(p => p.Language?.Code, StringComparer.Ordinal).ThenBy(p => p.Id, StringComparer.Ordinal)
                    .Select(p => new PublicPosting
                    {
                        PostingId = p.Id,
                        Language = p.Language?.Code,
                        Url = $"https://jobs.smartrecruiters.com/{Uri.EscapeDataString(connection.CompanyIdentifier)}/{Uri.EscapeDataString(p.Id)}",
                    }).ToList()
                : [];
            if (linked.Select(p => (p.PostingId, p.Language)).SequenceEqual(offer.Postings.Select(p => (p.PostingId, p.Language))))
            {
                continue;
            }

            // The Posting API pages by offset (a posting published mid-listing shifts the pages) and is read to a
            // page limit: a public job missing from it keeps its links; they go when the job stops being public.
            if (linked.Count == 0 && offer.PostingStatus == "PUBLIC")
            {
                continue;
            }

            offer.Postings = linked;
            if (changes.TryAdd(offer, EventTypes.JobUpdated))
            {
                run.Updated++;
            }
        }
    }

    /// <summary>
    /// What SR's answers say about the connection: a refused credential or a missing scope needs a person at once;
    /// transient failures only after <see cref="UnreachableAfter"/>; a complete listing clears "unreachable".
    /// </summary>
    private (ConnectionAudit Audit, OutboxEvent Event)? UpdateHealth(Connection connection, SrOutcome<bool>? failure, SyncRun run)
    {
        var now = run.StartedAt;
        (AttentionReason Reason, string Detail)? attention = failure switch
        {
            null => null,
            { Kind: SrOutcomeKind.CredentialsRejected } => (AttentionReason.CredentialsInvalid, failure.Detail ?? "SmartRecruiters refused the credential."),
            { Kind: SrOutcomeKind.Forbidden, Forbidden: SrForbiddenReason.ApiAccessDisabled } => (AttentionReason.ApiAccessDisabled, failure.Detail ?? "No access to the Customer API."),
            { Kind: SrOutcomeKind.Forbidden } => (AttentionReason.ScopeMissing, failure.Detail ?? "A scope is missing."),
            _ => null,
        };

        if (failure is null)
        {
            connection.UnreachableSince = null;
            return connection is { Status: ConnectionStatus.NeedsAttention, AttentionReason: Connections.AttentionReason.Unreachable }
                ? SetHealth(connection, ConnectionStatus.Active, null, null, now)
                : null;
        }

        if (attention is { } needed)
        {
            return SetHealth(connection, ConnectionStatus.NeedsAttention, needed.Reason, needed.Detail, now);
        }

        connection.UnreachableSince ??= now;
        return now - connection.UnreachableSince >= UnreachableAfter && connection.Status == ConnectionStatus.Active
            ? SetHealth(connection, ConnectionStatus.NeedsAttention, Connections.AttentionReason.Unreachable,
                $"SmartRecruiters has been failing since {connection.UnreachableSince:u}: {failure.Detail}", now)
            : null;
    }

    /// <summary>Changes the (untracked) connection and queues the audit line and the event; SaveAsync applies them if the change still holds.</summary>
    private (ConnectionAudit Audit, OutboxEvent Event)? SetHealth(Connection connection, ConnectionStatus status, AttentionReason? reason, string? detail, DateTimeOffset now)
    {
        if (connection.Status == status && connection.AttentionReason == reason)
        {
            return null;
        }

        connection.Status = status;
        connection.AttentionReason = reason;
        connection.AttentionDetail = Cap(detail, 1000);
        connection.Version++;
        connection.UpdatedAt = now;
        connection.UpdatedBy = "system:job-sync";
        var audit = new ConnectionAudit
        {
            ConnectionId = connection.Id, At = now, Actor = "system:job-sync", Action = "health_changed",
            Detail = reason is null ? status.ToString() : $"{status} ({reason})",
        };
        var healthEvent = OutboxEvent.Create(connection.Id, EventTypes.ConnectionHealthChanged,
            new HealthEventPayload(connection.Id.Value, status.ToString(), reason?.ToString(), detail), now, EventJsonContext.Default.HealthEventPayload);
        db.ConnectionAudit.Add(audit);
        db.OutboxEvents.Add(healthEvent);
        return (audit, healthEvent);
    }

    private static string? Cap(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;

    /// <summary>
    /// SR's job JSON names the recruiter who created it (<c>creator</c>): personal data Passerelle does not need,
    /// so it is not stored or passed on.
    /// </summary>
    private static string WithoutPeople(string rawJson)
    {
        if (System.Text.Json.Nodes.JsonNode.Parse(rawJson) is not System.Text.Json.Nodes.JsonObject job)
        {
            return rawJson;
        }

        job.Remove("creator");
        return job.ToJsonString();
    }

    /// <summary>Queued in the same SaveChanges as the change itself: both are stored, or neither.</summary>
    private void Event(JobOffer offer, string type, DateTimeOffset at) =>
        db.OutboxEvents.Add(OutboxEvent.Create(offer.ConnectionId, type,
            new JobEventPayload(offer.ConnectionId.Value, offer.SrJobId, offer.Title, offer.RefNumber, offer.Status, offer.PostingStatus, offer.SrUpdatedOn,
                offer.IsClosed, [.. offer.Postings.Select(p => new PostingRef(p.PostingId, p.Language, p.Url))]),
            at, EventJsonContext.Default.JobEventPayload));

    private static AdSection? Section(SrAdSection? section) =>
        section is null ? null : new AdSection { Title = Cap(section.Title, 500), Html = section.Text is { } html ? JobAdHtml.Sanitize(html) : null };

    private static void Apply(JobOffer offer, JobDetails job, DateTimeOffset now)
    {
        offer.Title = Cap(job.Title, 500);
        offer.RefNumber = job.RefNumber;
        offer.Status = job.Status;
        offer.PostingStatus = job.PostingStatus;
        offer.Department = job.Department?.Label;
        offer.City = job.Location?.City;
        offer.CountryCode = job.Location?.CountryCode;
        offer.EmploymentType = job.TypeOfEmployment?.Label;
        offer.ExperienceLevel = job.ExperienceLevel?.Label;
        offer.Function = job.Function?.Label;
        offer.Industry = job.Industry?.Label;
        offer.CompensationMin = job.Compensation?.Min;
        offer.CompensationMax = job.Compensation?.Max;
        offer.CompensationCurrency = job.Compensation?.Currency;
        offer.Language = job.Language?.Code;
        offer.ApplyUrl = job.Actions?.ApplyOnWeb?.Url;
        offer.SrCreatedOn = job.CreatedOn;
        offer.SrUpdatedOn = job.UpdatedOn;
        offer.RawJson = WithoutPeople(job.RawJson);
        offer.AdSections = job.JobAd?.Sections is { } sections
            ? new JobAdSections
            {
                CompanyDescription = Section(sections.CompanyDescription),
                JobDescription = Section(sections.JobDescription),
                Qualifications = Section(sections.Qualifications),
                AdditionalInformation = Section(sections.AdditionalInformation),
            }
            : null;
        offer.IsClosed = false;
        offer.ClosedAt = null;
        offer.MissingListings = 0;
        offer.LastSyncedAt = now;
    }
}
