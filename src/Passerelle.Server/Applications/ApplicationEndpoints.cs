using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Server.Auth;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Applications;

/// <summary>The answer to an accepted application: poll <c>statusUrl</c> to follow it.</summary>
public sealed record ApplicationAcceptedView(Guid Id, string State, string StatusUrl, DateTimeOffset AcceptedAt);

/// <summary>The last problem: a stable code, what happened in plain words, and what a person can do.</summary>
public sealed record ApplicationErrorView(string? Code, string? Message, string? Remedy);

public sealed record ApplicationFileView(string Kind, string ContentType, long Length, string Sha256, DateTimeOffset? DeletedAt);

public sealed record ApplicationStepView(string Step, string Outcome, DateTimeOffset At, int? StatusCode, string? Detail, string? Actor);

/// <summary>
/// An application: its state in DESIGN.md's machine, SR's candidate id once created, when the next attempt is due,
/// the last problem with its remedy, its files (facts only) and, for one application, every step. No personal data.
/// </summary>
public sealed record ApplicationView(
    Guid Id, Guid ConnectionId, string? JobId, string? ExternalId, string? Channel, string State, DateTimeOffset AcceptedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt, DateTimeOffset? ErasedAt, string? SrCandidateId, int Attempts, DateTimeOffset? NextAttemptAt, ApplicationErrorView? LastError,
    IReadOnlyList<ApplicationFileView> Files, IReadOnlyList<ApplicationStepView>? Steps)
{
    public static ApplicationView From(Application a, IReadOnlyList<ApplicationStep>? steps = null) => new(
        a.Id, a.ConnectionId.Value, a.SrJobId, a.ExternalId, a.Channel, a.State.ToString(), a.AcceptedAt, a.UpdatedAt, a.DeliveredAt, a.ErasedAt, a.SrCandidateId,
        a.Attempts, a.NextAttemptAt, a.LastErrorCode is null && a.LastError is null ? null : new ApplicationErrorView(a.LastErrorCode, a.LastError, a.Remedy),
        [.. a.Files.OrderBy(f => f.Kind).Select(f => new ApplicationFileView(f.Kind == ApplicationFileKind.Cv ? "cv" : "coverLetter", f.ContentType, f.Length, f.Sha256, f.DeletedAt))],
        steps?.Select(s => new ApplicationStepView(s.Step, s.Outcome, s.At, s.StatusCode, s.Detail, s.Actor)).ToList());
}

public sealed record ApplicationPageView(IReadOnlyList<ApplicationView> Items, string? NextCursor);

[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record RetryRequest(bool ConfirmMayDuplicate = false);

[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record MarkDeliveredRequest(string? SrCandidateId);

/// <summary>Applicant intake for the platform, and the status and operations API.</summary>
internal static class ApplicationEndpoints
{
    public static void MapApplicationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var connection = endpoints.MapGroup("/api/v1/connections/{id:guid}").RequireAuthorization(AuthPolicies.Platform).WithTags("Applications");
        connection.MapPost("/jobs/{jobId}/applications", (Guid id, string jobId, HttpContext context, CancellationToken ct) => SubmitAsync(id, jobId, context, ct))
            .WithSummary("Submit an applicant with their CV for a job (multipart: applicant JSON, cv, optional coverLetter): 202 with a status URL.");
        connection.MapPost("/applications", (Guid id, HttpContext context, CancellationToken ct) => SubmitAsync(id, null, context, ct))
            .WithSummary("Submit a general application (no job): same body as for a job.");
        connection.MapGet("/applications", ListAsync).WithSummary("This connection's applications, newest first, filtered by state, job and date, with cursor pagination.");

        var applications = endpoints.MapGroup("/api/v1/applications").WithTags("Applications");
        applications.MapGet("/{applicationId:guid}", GetAsync).RequireAuthorization(AuthPolicies.Platform)
            .WithSummary("One application: state, steps with times, SR candidate id, last error and remedy.");
        applications.MapDelete("/{applicationId:guid}", EraseAsync).RequireAuthorization(AuthPolicies.Platform)
            .WithSummary("Erase the applicant's personal data and files (GDPR); an anonymous delivery record stays.");
        applications.MapPost("/{applicationId:guid}/retry", RetryAsync).RequireAuthorization(AuthPolicies.Admin)
            .WithSummary("Send a Failed or NeedsReview application again (NeedsReview needs confirmMayDuplicate=true).");
        applications.MapPost("/{applicationId:guid}/mark-delivered", MarkDeliveredAsync).RequireAuthorization(AuthPolicies.Admin)
            .WithSummary("Record that the applicant is in SR after all, with the candidate id found there.");
    }

    private static async Task<IResult> SubmitAsync(Guid id, string? jobId, HttpContext context, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var user = context.User;
        var db = services.GetRequiredService<PasserelleDbContext>();
        if (!user.MayTouch(id))
        {
            return Problems.NotFound("connection");
        }

        // Cheap checks first, before a byte of a 10 MB body is read.
        var connection = await db.Connections.AsNoTracking().Where(c => c.Id == new ConnectionId(id)).Select(c => new { c.Status }).SingleOrDefaultAsync(cancellationToken);
        if (connection is null)
        {
            return Problems.NotFound("connection");
        }

        if (connection.Status == ConnectionStatus.Disconnected)
        {
            return Disconnected();
        }

        if (jobId is not null && await JobProblemAsync(db, id, jobId, cancellationToken) is { } jobProblem)
        {
            return jobProblem;
        }

        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (context.Request.Headers.ContainsKey("Idempotency-Key") && !IsValidKey(key))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "idempotency.key_invalid",
                "The Idempotency-Key header must be 1 to 200 printable ASCII characters (a UUID is ideal); send it again with the same key on every retry.");
        }

        var options = services.GetRequiredService<IOptionsMonitor<ApplicationOptions>>().CurrentValue;
        var form = await IntakeForm.ReadAsync(context, options, services.GetRequiredService<Core.Applications.Files.CvInspector>(), cancellationToken);
        if (form.Problem is { } problem)
        {
            return problem;
        }

        var idempotencyKey = key.Length > 0 ? key : form.Applicant!.ExternalId is { Length: > 0 } external ? "external:" + external : null;
        var result = await ApplicationSubmission.AcceptAsync(services.GetRequiredService<ApplicationIntake>(), services.GetRequiredService<ILaneWaker>(),
            new IntakeRequest(new ConnectionId(id), jobId, form.Applicant!, form.Cv!, form.CoverLetter, idempotencyKey, Actor(user)), cancellationToken);
        switch (result.Kind)
        {
            case IntakeResultKind.Accepted or IntakeResultKind.Replayed:
                var application = result.Application!;
                if (result.Kind == IntakeResultKind.Replayed)
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                }

                var url = $"/api/v1/applications/{application.Id}";
                return TypedResults.Accepted(url, new ApplicationAcceptedView(application.Id, application.State.ToString(), url, application.AcceptedAt));
            case IntakeResultKind.KeyConflict:
                return Problems.Of(StatusCodes.Status409Conflict, "idempotency.key_conflict",
                    "This idempotency key was already used for a different application on this connection: use a new key for a new application, or send exactly the same request to get its answer.",
                    new Dictionary<string, object?> { ["applicationId"] = result.Application!.Id });
            case IntakeResultKind.ConnectionDisconnected:
                return Disconnected();
            case IntakeResultKind.JobNotFound or IntakeResultKind.JobClosed:
                return await JobProblemAsync(db, id, jobId!, cancellationToken) ?? Problems.Of(StatusCodes.Status409Conflict, "job.closed", "The job closed meanwhile: apply to an open job.");
            default:
                return Problems.NotFound("connection");
        }
    }

    private static async Task<ProblemHttpResult?> JobProblemAsync(PasserelleDbContext db, Guid id, string jobId, CancellationToken cancellationToken)
    {
        var (availability, status) = await ApplicationSubmission.JobAsync(db, new ConnectionId(id), jobId, cancellationToken);
        if (availability == JobAvailability.NotFound)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "job.not_found",
                "This connection has no such job as of its last sync. Use a job id from GET /api/v1/connections/{id}/jobs; if the job was just published in SmartRecruiters, ask for a sync (POST /api/v1/connections/{id}/sync) and submit again.");
        }

        return availability == JobAvailability.Closed
            ? Problems.Of(StatusCodes.Status409Conflict, "job.closed",
                $"This job no longer accepts applicants in SmartRecruiters (status {status ?? "closed"}): take it off the job boards, and tell the applicant.")
            : null;
    }

    private static ProblemHttpResult Disconnected() => Problems.Of(StatusCodes.Status409Conflict, "connection.disconnected",
        "This connection is disconnected and delivers nothing more: submit the application on the customer's active connection.");

    private static bool IsValidKey(string key) => key.Length is > 0 and <= 200 && key.All(c => c is >= '!' and <= '~');

    private static async Task<Results<Ok<ApplicationPageView>, ProblemHttpResult>> ListAsync(
        Guid id, PasserelleDbContext db, ClaimsPrincipal user, string? state, string? jobId, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor,
        CancellationToken cancellationToken)
    {
        if (!user.MayTouch(id) || !await db.Connections.AnyAsync(c => c.Id == new ConnectionId(id), cancellationToken))
        {
            return Problems.NotFound("connection");
        }

        var errors = new Dictionary<string, string[]>();
        var states = new List<ApplicationState>();
        foreach (var name in (state ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Enum.TryParse<ApplicationState>(name, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                states.Add(parsed);
            }
            else
            {
                errors["state"] = [$"Known states: {string.Join(", ", Enum.GetNames<ApplicationState>())} (several separated by commas)."];
            }
        }

        if (limit is < 1 or > 200)
        {
            errors["limit"] = ["Between 1 and 200 (default 50)."];
        }

        if (from is { } f && to is { } t && f > t)
        {
            errors["from"] = ["Must be before 'to'."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var query = db.Applications.AsNoTracking().Include(a => a.Files).Where(a => a.ConnectionId == new ConnectionId(id));
        if (states.Count > 0)
        {
            query = query.Where(a => states.Contains(a.State));
        }

        if (jobId is not null)
        {
            query = query.Where(a => a.SrJobId == jobId);
        }

        if (from is { } since)
        {
            query = query.Where(a => a.AcceptedAt >= since);
        }

        if (to is { } until)
        {
            query = query.Where(a => a.AcceptedAt < until);
        }

        if (!string.IsNullOrEmpty(cursor))
        {
            if (Cursor.Decode("a1", cursor) is not { } before)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "applications.bad_cursor", "This cursor was not issued by this API: start again without a cursor.");
            }

            // Ids are UUIDv7: they sort in acceptance order, so pages are stable while applications arrive.
            query = query.Where(a => a.Id.CompareTo(before) < 0);
        }

        var size = limit ?? 50;
        var page = await query.OrderByDescending(a => a.Id).Take(size + 1).ToListAsync(cancellationToken);
        var more = page.Count > size;
        if (more)
        {
            page.RemoveAt(size);
        }

        return TypedResults.Ok(new ApplicationPageView([.. page.Select(a => ApplicationView.From(a))], more ? Cursor.Encode("a1", page[^1].Id) : null));
    }

    private static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> GetAsync(
        Guid applicationId, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var application = await db.Applications.AsNoTracking().Include(a => a.Files).SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        if (application is null || !user.MayTouch(application.ConnectionId.Value))
        {
            return Problems.NotFound("application");
        }

        var steps = await db.ApplicationSteps.AsNoTracking().Where(s => s.ApplicationId == applicationId).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(ApplicationView.From(application, steps));
    }

    private static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> RetryAsync(
        Guid applicationId, RetryRequest? request, PasserelleDbContext db, ApplicationAdmin admin, ILaneWaker lanes, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(db, applicationId, user, cancellationToken) is not { } connectionId)
        {
            return Problems.NotFound("application");
        }

        var outcome = await admin.RetryAsync(applicationId, request?.ConfirmMayDuplicate ?? false, Actor(user), cancellationToken);
        if (outcome.Result == AdminResult.Done)
        {
            await lanes.NudgeDeliveryAsync(connectionId);
        }

        return await AnswerAsync(db, applicationId, outcome, cancellationToken);
    }

    private static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> MarkDeliveredAsync(
        Guid applicationId, MarkDeliveredRequest request, PasserelleDbContext db, ApplicationAdmin admin, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(db, applicationId, user, cancellationToken) is null)
        {
            return Problems.NotFound("application");
        }

        if (CandidateId(request.SrCandidateId) is not { } candidate)
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["srCandidateId"] = ["Required: the candidate's id in SmartRecruiters (the UUID in the candidate's profile address)."],
            });
        }

        return await AnswerAsync(db, applicationId, await admin.MarkDeliveredAsync(applicationId, candidate, Actor(user), cancellationToken), cancellationToken);
    }

    /// <summary>An SR candidate id as a person pastes it (trimmed), or null if it cannot be one: 1 to 64 ASCII letters, digits, '-' or '_'.</summary>
    internal static string? CandidateId(string? pasted)
    {
        var candidate = pasted?.Trim();
        return string.IsNullOrEmpty(candidate) || candidate.Length > 64 || !candidate.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? null : candidate;
    }

    private static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> EraseAsync(
        Guid applicationId, PasserelleDbContext db, ApplicationAdmin admin, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(db, applicationId, user, cancellationToken) is null)
        {
            return Problems.NotFound("application");
        }

        return await AnswerAsync(db, applicationId, await admin.EraseAsync(applicationId, Actor(user), cancellationToken), cancellationToken);
    }

    private static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> AnswerAsync(
        PasserelleDbContext db, Guid applicationId, AdminOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Result == AdminResult.NotFound)
        {
            return Problems.NotFound("application");
        }

        if (outcome.Result == AdminResult.Conflict)
        {
            return Problems.Of(StatusCodes.Status409Conflict, outcome.Code!, outcome.Reason!,
                new Dictionary<string, object?> { ["state"] = outcome.Application?.State.ToString() });
        }

        db.ChangeTracker.Clear();
        var application = await db.Applications.AsNoTracking().Include(a => a.Files).SingleAsync(a => a.Id == applicationId, cancellationToken);
        var steps = await db.ApplicationSteps.AsNoTracking().Where(s => s.ApplicationId == applicationId).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(ApplicationView.From(application, steps));
    }

    /// <summary>The application's connection, if this key may see it (others' applications are "not found", never "forbidden").</summary>
    private static async Task<ConnectionId?> VisibleAsync(PasserelleDbContext db, Guid applicationId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var connectionId = await db.Applications.Where(a => a.Id == applicationId).Select(a => (ConnectionId?)a.ConnectionId).SingleOrDefaultAsync(cancellationToken);
        return connectionId is { } c && user.MayTouch(c.Value) ? c : null;
    }

    private static string Actor(ClaimsPrincipal user) => "api:" + (user.Identity?.Name ?? "unknown");
}
