using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Server.Auth;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Jobs;

public sealed record CompensationView(decimal? Min, decimal? Max, string? Currency);

/// <summary>A synced job offer; <c>id</c> is SR's job id, the one applications refer to.</summary>
public sealed record JobOfferView(
    string Id, string? Title, string? RefNumber, string? Status, string? PostingStatus, string? Department, string? City, string? CountryCode,
    string? EmploymentType, string? ExperienceLevel, string? Function, string? Industry, CompensationView? Compensation, string? Language,
    string? ApplyUrl, DateTimeOffset? SrCreatedOn, DateTimeOffset? SrUpdatedOn, bool Closed, DateTimeOffset? ClosedAt, DateTimeOffset LastSyncedAt,
    IReadOnlyList<PostingView> Postings)
{
    public static JobOfferView From(JobOffer o) => new(
        o.SrJobId, o.Title, o.RefNumber, o.Status, o.PostingStatus, o.Department, o.City, o.CountryCode, o.EmploymentType, o.ExperienceLevel,
        o.Function, o.Industry, o.CompensationMin is null && o.CompensationMax is null ? null : new CompensationView(o.CompensationMin, o.CompensationMax, o.CompensationCurrency),
        o.Language, o.ApplyUrl, o.SrCreatedOn, o.SrUpdatedOn, o.IsClosed, o.ClosedAt, o.LastSyncedAt,
        [.. o.Postings.Select(p => new PostingView(p.PostingId, p.Language, p.Url))]);
}

/// <summary>A public posting of the job (one per language it is published in).</summary>
public sealed record PostingView(string PostingId, string? Language, string? Url);

/// <summary>A job ad section; <c>html</c> is already sanitised (formatting and links only) and safe to show as is.</summary>
public sealed record AdSectionView(string? Title, string? Html);

public sealed record AdSectionsView(AdSectionView? CompanyDescription, AdSectionView? JobDescription, AdSectionView? Qualifications, AdSectionView? AdditionalInformation)
{
    public static AdSectionsView? From(JobAdSections? s) => s is null ? null : new(View(s.CompanyDescription), View(s.JobDescription), View(s.Qualifications), View(s.AdditionalInformation));

    private static AdSectionView? View(AdSection? section) => section is null ? null : new(section.Title, section.Html);
}

/// <summary>One job: the normalised fields, the ad's sections as sanitised HTML, and SR's own JSON (recruiter names removed).</summary>
public sealed record JobOfferDetailView(JobOfferView Job, AdSectionsView? Ad, System.Text.Json.JsonElement SmartRecruiters);

public sealed record JobPageView(IReadOnlyList<JobOfferView> Items, string? NextCursor);

/// <summary>A sync of a connection's jobs: <c>state</c> is <c>Queued</c>, <c>Running</c> or <c>Finished</c>.</summary>
public sealed record SyncRunView(Guid Id, string Kind, string State, string Trigger, DateTimeOffset RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    bool Complete, int Pages, int SrCalls, int PostingCalls, int Created, int Updated, int Closed, string? Error, string? Node)
{
    public static SyncRunView From(SyncRun r) => new(r.Id, r.Kind.ToString(), r.State.ToString(), r.Trigger, r.RequestedAt,
        r.State == SyncRunState.Queued ? null : r.StartedAt, r.FinishedAt, r.Complete, r.Pages, r.SrCalls, r.PostingCalls, r.Created, r.Updated, r.Closed, r.Error, r.Node);
}

/// <summary>The body of "sync now": <c>incremental</c> (the default: jobs changed since the last sync) or <c>full</c>.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record SyncRequest(string? Kind = null);

/// <summary>The synced jobs of a connection, for the platform (and admins).</summary>
internal static class JobEndpoints
{
    public static void MapJobEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/connections/{id:guid}").RequireAuthorization(AuthPolicies.Platform).WithTags("Jobs");
        group.MapGet("/jobs", ListAsync).WithSummary("Synced job offers, oldest first, with cursor pagination.");
        group.MapGet("/jobs/{jobId}", GetAsync);
        group.MapGet("/sync-runs", SyncRunsAsync).WithSummary("The latest syncs of this connection's jobs, newest first.");
        group.MapGet("/sync-runs/{runId:guid}", SyncRunAsync).WithSummary("One sync: poll it after asking for a sync.");
        group.MapPost("/sync", SyncNowAsync)
            .WithSummary("Sync this connection's jobs now: 202 with the queued run (or the one already queued).");
    }

    private static async Task<Results<Accepted<SyncRunView>, ProblemHttpResult>> SyncNowAsync(
        Guid id, SyncRequest? request, PasserelleDbContext db, JobSync sync, Core.Lanes.ILaneWaker lanes, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        SyncKind kind;
        switch (request?.Kind?.Trim().ToLowerInvariant())
        {
            case null or "" or "incremental":
                kind = SyncKind.Incremental;
                break;
            case "full":
                kind = SyncKind.Full;
                break;
            default:
                return Problems.Validation(new Dictionary<string, string[]> { ["kind"] = ["\"incremental\" (the default) or \"full\"."] });
        }

        var connectionId = new ConnectionId(id);
        var connection = user.MayTouch(id) ? await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken) : null;
        if (connection is null)
        {
            return Problems.NotFound("connection");
        }

        // Say now why nothing would happen, rather than queue a run that is sure to be skipped.
        switch (Connections.ConnectionRules.RefuseSync(connection))
        {
            case Connections.SyncRefusal.Disconnected:
                return Problems.Of(StatusCodes.Status409Conflict, "connection.disconnected", "This connection is disconnected: create a new connection to sync this customer's jobs again.");
            case Connections.SyncRefusal.Pending:
                return Problems.Of(StatusCodes.Status409Conflict, "connection.pending", "This connection has not been verified yet: test it (POST /api/v1/connections/{id}/test) first.");
            case Connections.SyncRefusal.NeedsAttention:
                return Problems.Of(StatusCodes.Status409Conflict, "connection.needs_attention",
                    $"This connection needs attention ({connection.AttentionReason}): {connection.AttentionDetail} Fix it (see GET /api/v1/connections/{id}), then sync.");
        }

        var run = await sync.QueueAsync(connectionId, kind, "api:" + (user.Identity?.Name ?? "unknown"), cancellationToken);
        await lanes.NudgeAsync(connectionId);
        return TypedResults.Accepted($"/api/v1/connections/{id}/sync-runs/{run.Id}", SyncRunView.From(run));
    }

    private static async Task<Results<Ok<SyncRunView>, ProblemHttpResult>> SyncRunAsync(
        Guid id, Guid runId, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var run = user.MayTouch(id)
            ? await db.SyncRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.ConnectionId == connectionId, cancellationToken)
            : null;
        return run is null ? Problems.NotFound("sync run") : TypedResults.Ok(SyncRunView.From(run));
    }

    private static async Task<Results<Ok<JobPageView>, ProblemHttpResult>> ListAsync(
        Guid id, PasserelleDbContext db, ClaimsPrincipal user, string? status, string? postingStatus, bool? open, DateTimeOffset? updatedSince,
        string? q, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (!await VisibleAsync(id, db, user, cancellationToken))
        {
            return Problems.NotFound("connection");
        }

        var size = limit ?? 50;
        if (size is < 1 or > 200)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200 (default 50)."] });
        }

        Guid? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (Cursor.Decode("j1", cursor) is not { } decoded)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "jobs.bad_cursor", "This cursor was not issued by this API: start again without a cursor.");
            }

            after = decoded;
        }

        var connectionId = new ConnectionId(id);
        var query = db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(o => o.Status == status);
        }

        if (!string.IsNullOrEmpty(postingStatus))
        {
            query = query.Where(o => o.PostingStatus == postingStatus);
        }

        if (open == true)
        {
            query = query.WhereOpen();
        }

        if (updatedSince is { } since)
        {
            // Npgsql takes only UTC instants as timestamptz parameters.
            var utc = since.ToUniversalTime();
            query = query.Where(o => o.SrUpdatedOn > utc);
        }

        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim().ToLowerInvariant();
#pragma warning disable CA1862 // Translated to SQL: the StringComparison overload has no translation on SQLite or PostgreSQL.
            query = query.Where(o => o.Title != null && o.Title.ToLower().Contains(text));
#pragma warning restore CA1862
        }

        if (after is { } last)
        {
            // Ids are UUIDv7: they sort in creation order and never change, so pages are stable while syncs run.
            query = query.Where(o => o.Id.CompareTo(last) > 0);
        }

        var page = await query.OrderBy(o => o.Id).Take(size + 1).ToListAsync(cancellationToken);
        var more = page.Count > size;
        if (more)
        {
            page.RemoveAt(size);
        }

        return TypedResults.Ok(new JobPageView([.. page.Select(JobOfferView.From)], more ? Cursor.Encode("j1", page[^1].Id) : null));
    }

    private static async Task<Results<Ok<JobOfferDetailView>, ProblemHttpResult>> GetAsync(
        Guid id, string jobId, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var offer = await VisibleAsync(id, db, user, cancellationToken)
            ? await db.JobOffers.AsNoTracking().SingleOrDefaultAsync(o => o.ConnectionId == connectionId && o.SrJobId == jobId, cancellationToken)
            : null;
        return offer is null
            ? Problems.NotFound("job offer")
            : TypedResults.Ok(new JobOfferDetailView(JobOfferView.From(offer), AdSectionsView.From(offer.AdSections), System.Text.Json.JsonDocument.Parse(offer.RawJson).RootElement.Clone()));
    }

    private static async Task<Results<Ok<List<SyncRunView>>, ProblemHttpResult>> SyncRunsAsync(
        Guid id, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await VisibleAsync(id, db, user, cancellationToken))
        {
            return Problems.NotFound("connection");
        }

        var connectionId = new ConnectionId(id);
        var runs = await db.SyncRuns.AsNoTracking().Where(r => r.ConnectionId == connectionId)
            .OrderByDescending(r => r.Id).Take(50).ToListAsync(cancellationToken);
        return TypedResults.Ok(runs.Select(SyncRunView.From).ToList());
    }

    private static async Task<bool> VisibleAsync(Guid id, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.MayTouch(id) && await db.Connections.AnyAsync(c => c.Id == new ConnectionId(id), cancellationToken);
}
