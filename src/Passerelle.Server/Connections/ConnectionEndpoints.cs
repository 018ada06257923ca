using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Server.Auth;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Connections;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateConnectionRequest(
    string? DisplayName, string? CustomerName, string? CompanyIdentifier, string? ClientId, string? ClientSecret, string? BaseUrl,
    List<string>? Tags = null, string? SourceTypeId = null, string? SourceSubTypeId = null, string? SourceId = null)
{
    public override string ToString() => $"CreateConnectionRequest {{ DisplayName = {DisplayName}, ClientId = {ClientId} }}";
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RotateSecretRequest(string? ClientSecret)
{
    public override string ToString() => "RotateSecretRequest(***)";
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DisconnectRequest(string? Reason);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateConnectionRequest(
    string? DisplayName = null, string? CustomerName = null, List<string>? Tags = null,
    string? SourceTypeId = null, string? SourceSubTypeId = null, string? SourceId = null,
    TimeSpan? SyncInterval = null, TimeSpan? FullSyncInterval = null, string? DeliveryMode = null);

public sealed record FindingView(string Code, string Problem, string Remedy);

public sealed record VerdictView(string Status, string? Reason, IReadOnlyList<FindingView> Problems, IReadOnlyList<FindingView> Warnings, DateTimeOffset ProbedAt);

/// <summary>A connection as the API shows it: never the secret.</summary>
public sealed record ConnectionView(
    Guid Id, string DisplayName, string CustomerName, string CompanyIdentifier, string ClientId, string BaseUrl, string Status,
    string? AttentionReason, string? AttentionDetail, DateTimeOffset? LastProbedAt, IReadOnlyList<string> Tags,
    string? SourceTypeId, string? SourceSubTypeId, string? SourceId, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt,
    string UpdatedBy, bool HasSecret, StoredProbe? LastProbe, VerdictView? Verdict,
    TimeSpan? SyncInterval = null, TimeSpan? FullSyncInterval = null, DateTimeOffset? SyncWatermark = null, string DeliveryMode = "Json")
{
    private static readonly System.Text.Json.JsonSerializerOptions StoredProbeJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static ConnectionView From(Connection c, ConnectionVerdict? verdict = null) => new(
        c.Id.Value, c.DisplayName, c.CustomerName, c.CompanyIdentifier, c.ClientId, c.BaseUrl, c.Status.ToString(), c.AttentionReason?.ToString(),
        c.AttentionDetail, c.LastProbedAt, c.Tags, c.SourceTypeId, c.SourceSubTypeId, c.SourceId, c.CreatedAt, c.CreatedBy, c.UpdatedAt, c.UpdatedBy,
        c.ProtectedSecret is not null,
        c.LastProbeJson is null ? null : System.Text.Json.JsonSerializer.Deserialize<StoredProbe>(c.LastProbeJson, StoredProbeJson),
        verdict is null ? null : new VerdictView(verdict.Status.ToString(), verdict.Reason?.ToString(),
            [.. verdict.Problems.Select(p => new FindingView(p.Code, p.Problem, p.Remedy))],
            [.. verdict.Warnings.Select(w => new FindingView(w.Code, w.Problem, w.Remedy))], verdict.ProbedAt),
        c.SyncInterval, c.FullSyncInterval, c.SyncWatermark, c.DeliveryMode.ToString());
}

public sealed record RotationView(bool Applied, string Detail, ConnectionView Connection);

/// <summary>A connection's lane: the node it runs on, what it is doing, and why it waits if it does.</summary>
public sealed record LaneView(string Node, bool Syncing, string? PausedBecause, DateTimeOffset? LastSyncAt, DateTimeOffset? LastCompleteFullSyncAt, DateTimeOffset? NextCheckAt,
    bool Delivering = false, string? DeliveryPausedBecause = null, DateTimeOffset? DeliveryResumeAt = null);

public sealed record AuditView(DateTimeOffset At, string Actor, string Action, string? Detail);

/// <summary>Who did it, as written in audit lines (fits their 200-character columns).</summary>
internal static class ConnectionEndpointsActor
{
    public static string Of(ClaimsPrincipal user)
    {
        var actor = "api:" + (user.Identity?.Name ?? "unknown");
        return actor.Length <= 200 ? actor : actor[..200];
    }
}

/// <summary><c>/api/v1/connections</c>: onboarding and upkeep of customers' SR credentials, for admin keys.</summary>
internal static class ConnectionEndpoints
{
    /// <summary>SmartRecruiters' production API, the base URL of a connection unless another is given.</summary>
    public const string ProductionBaseUrl = "https://api.smartrecruiters.com";

    public static void MapConnectionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/connections").RequireAuthorization(AuthPolicies.Admin).WithTags("Connections");
        group.MapPost("/", CreateAsync).RequireAuthorization(AuthPolicies.UnrestrictedAdmin)
            .WithSummary("Finalise a customer's connection: the credential is probed and the verdict returned.");
        group.MapGet("/", ListAsync).WithSummary("Connections, optionally by status.");
        group.MapGet("/{id:guid}", GetAsync);
        group.MapPatch("/{id:guid}", UpdateAsync).WithSummary("Change a connection's names, tags or SR source ids (not its credential).");
        group.MapPost("/{id:guid}/test", TestAsync).WithSummary("Probe the stored credential again.");
        group.MapPut("/{id:guid}/secret", RotateAsync).WithSummary("Rotate the secret: the new one is verified before it replaces the old.");
        group.MapPost("/{id:guid}/disconnect", DisconnectAsync).WithSummary("Erase the secret and stop the connection; its history stays.");
        group.MapGet("/{id:guid}/audit", AuditAsync);
        group.MapGet("/{id:guid}/lane", LaneAsync).WithSummary("What the connection's lane is doing: its node, whether it is syncing or paused and why, its next check.");
    }

    private static async Task<Results<Created<ConnectionView>, ProblemHttpResult>> CreateAsync(
        CreateConnectionRequest request, ConnectionService connections, PasserelleDbContext db, ILaneWaker lanes, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var displayName = request.DisplayName!.Trim();
        if (await db.Connections.AnyAsync(c => c.DisplayName == displayName, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "connection.display_name_taken",
                $"A connection is already named '{displayName}': choose another display name.");
        }

        var created = await connections.CreateAsync(new ConnectionDraft(displayName, request.CustomerName!, request.CompanyIdentifier!, request.ClientId!,
            request.ClientSecret!.Trim(), new Uri(request.BaseUrl ?? ProductionBaseUrl), request.Tags, request.SourceTypeId, request.SourceSubTypeId, request.SourceId), Actor(user), cancellationToken);
        // An active connection's first sync starts now, not at the supervisor's next round.
        await lanes.NudgeAsync(created.Connection.Id);
        return TypedResults.Created($"/api/v1/connections/{created.Connection.Id}", ConnectionView.From(created.Connection, created.Verdict));
    }

    private static async Task<Ok<List<ConnectionView>>> ListAsync(PasserelleDbContext db, ClaimsPrincipal user, ConnectionStatus? status, CancellationToken cancellationToken)
    {
        var query = db.Connections.AsNoTracking();
        if (status is { } wanted)
        {
            query = query.Where(c => c.Status == wanted);
        }

        var all = await query.OrderBy(c => c.DisplayName).ToListAsync(cancellationToken);
        return TypedResults.Ok(all.Where(c => user.MayTouch(c.Id.Value)).Select(c => ConnectionView.From(c)).ToList());
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> GetAsync(Guid id, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var connection = user.MayTouch(id) ? await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == new ConnectionId(id), cancellationToken) : null;
        return connection is null ? Problems.NotFound("connection") : TypedResults.Ok(ConnectionView.From(connection));
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateConnectionRequest request, ConnectionService connections, PasserelleDbContext db, ClaimsPrincipal user,
        Microsoft.Extensions.Options.IOptions<Core.Jobs.SyncOptions> sync, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value) in new[] { ("displayName", request.DisplayName), ("customerName", request.CustomerName) })
        {
            if (value is not null && (value.Trim().Length is 0 or > 200))
            {
                errors[field] = ["1 to 200 characters."];
            }
        }

        foreach (var (field, value) in new[] { ("sourceTypeId", request.SourceTypeId), ("sourceSubTypeId", request.SourceSubTypeId), ("sourceId", request.SourceId) })
        {
            if (value is { Length: > 100 })
            {
                errors[field] = ["At most 100 characters (\"\" clears it)."];
            }
        }

        if (request.SyncInterval is { } interval && !ConnectionRules.IsValidSyncInterval(interval))
        {
            errors["syncInterval"] = ["Between \"00:01:00\" (a minute) and \"1.00:00:00\" (a day), or \"00:00:00\" for the default (Sync:Interval)."];
        }

        if (request.FullSyncInterval is { } full && !ConnectionRules.IsValidFullSyncInterval(full))
        {
            errors["fullSyncInterval"] = ["Between \"00:05:00\" and \"7.00:00:00\", or \"00:00:00\" for the default (Sync:FullInterval)."];
        }

        if (request.Tags is { } tags && !ConnectionRules.AreValidTags(tags))
        {
            errors["tags"] = ["At most 20 tags of 1 to 100 characters."];
        }

        Core.Applications.DeliveryMode? mode = null;
        if (request.DeliveryMode is { } modeName)
        {
            if (Enum.TryParse<Core.Applications.DeliveryMode>(modeName, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                mode = parsed;
            }
            else
            {
                errors["deliveryMode"] = ["\"Json\" (create from the applicant's data, then attach the CV: the default) or \"ResumeParsing\" (SmartRecruiters reads the CV)."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (!user.MayTouch(id))
        {
            return Problems.NotFound("connection");
        }

        if (request.SyncInterval is not null || request.FullSyncInterval is not null)
        {
            // The two intervals as they will be, overrides or defaults: a full reconcile more often than an incremental
            // sync would list every job where listing the changed ones suffices.
            var current = await db.Connections.AsNoTracking().Where(c => c.Id == new ConnectionId(id))
                .Select(c => new { c.SyncInterval, c.FullSyncInterval }).SingleOrDefaultAsync(cancellationToken);
            if (current is null)
            {
                return Problems.NotFound("connection");
            }

            static TimeSpan? Override(TimeSpan? requested, TimeSpan? stored) => requested is { } r ? (r == TimeSpan.Zero ? null : r) : stored;
            var incremental = Override(request.SyncInterval, current.SyncInterval) ?? sync.Value.Interval;
            var reconcile = Override(request.FullSyncInterval, current.FullSyncInterval) ?? sync.Value.FullInterval;
            if (reconcile < incremental)
            {
                return Problems.Validation(new Dictionary<string, string[]>
                {
                    ["fullSyncInterval"] = [$"The full reconcile interval ({reconcile:c}) cannot be shorter than the incremental sync interval ({incremental:c})."],
                });
            }
        }

        if (request.DisplayName?.Trim() is { } name && await db.Connections.AnyAsync(c => c.DisplayName == name && c.Id != new ConnectionId(id), cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "connection.display_name_taken", $"A connection is already named '{name}': choose another display name.");
        }

        var updated = await connections.UpdateSettingsAsync(new ConnectionId(id),
            new ConnectionSettings(request.DisplayName, request.CustomerName, request.Tags, request.SourceTypeId, request.SourceSubTypeId, request.SourceId,
                request.SyncInterval, request.FullSyncInterval, mode),
            Actor(user), cancellationToken);
        return updated is null ? Problems.NotFound("connection") : TypedResults.Ok(ConnectionView.From(updated));
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> TestAsync(
        Guid id, ConnectionService connections, ILaneWaker lanes, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var tested = user.MayTouch(id) ? await connections.TestAsync(new ConnectionId(id), Actor(user), cancellationToken) : null;
        if (tested is not null)
        {
            // A test that finds the connection fixed resumes its lane at once.
            await lanes.NudgeAsync(tested.Connection.Id);
        }

        return tested is null
            ? Problems.NotFound("active connection")
            : TypedResults.Ok(ConnectionView.From(tested.Connection, tested.Verdict));
    }

    private static async Task<Results<Ok<RotationView>, ProblemHttpResult>> RotateAsync(
        Guid id, RotateSecretRequest request, ConnectionService connections, ClaimsPrincipal user, PasserelleDbContext db, ILaneWaker lanes, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.ClientSecret) || request.ClientSecret.Length > 500)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["clientSecret"] = ["The new Client Secret is required (at most 500 characters)."] });
        }

        var rotated = user.MayTouch(id) ? await connections.RotateSecretAsync(new ConnectionId(id), request.ClientSecret.Trim(), Actor(user), cancellationToken) : null;
        if (rotated is null)
        {
            return Problems.NotFound("active connection");
        }

        if (rotated.Applied)
        {
            await lanes.NudgeAsync(new ConnectionId(id));
        }

        var connection = await db.Connections.AsNoTracking().SingleAsync(c => c.Id == new ConnectionId(id), cancellationToken);
        return TypedResults.Ok(new RotationView(rotated.Applied,
            rotated.Applied ? "The new secret works and replaced the old one." : "The new secret was refused by SmartRecruiters; the old one is kept. See the verdict.",
            ConnectionView.From(connection, rotated.Verdict)));
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> DisconnectAsync(
        Guid id, DisconnectRequest? request, ConnectionService connections, Core.Applications.ApplicationAdmin applications, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? ConnectionRules.DefaultDisconnectReason : request.Reason.Trim();
        if (reason.Length > 500)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["reason"] = ["At most 500 characters."] });
        }

        var connection = user.MayTouch(id) ? await connections.DisconnectAsync(new ConnectionId(id), reason, Actor(user), cancellationToken) : null;
        if (connection is null)
        {
            return Problems.NotFound("connection");
        }

        // Nothing waits forever on a connection that will never deliver: the waiting applications fail now, with
        // the reason and their webhook events (the lane's last round does the same for any it was holding).
        await applications.FailForDisconnectionAsync(connection.Id, cancellationToken);
        return TypedResults.Ok(ConnectionView.From(connection));
    }

    private static async Task<Results<Ok<LaneView>, ProblemHttpResult>> LaneAsync(
        Guid id, PasserelleDbContext db, IGrainFactory grains, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var connection = user.MayTouch(id) ? await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == new ConnectionId(id), cancellationToken) : null;
        if (connection is null)
        {
            return Problems.NotFound("connection");
        }

        if (connection.Status == ConnectionStatus.Disconnected || connection.ProtectedSecret is null)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "connection.disconnected", "This connection is disconnected: it has no lane.");
        }

        // Asking wakes the lane if it is not running: the answer is always about a live lane.
        LaneState state;
        try
        {
            state = await grains.GetGrain<IConnectionLane>(id).GetStateAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
        {
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "lane.unavailable",
                "The connection's lane did not answer (its node may be stopping or starting): ask again in a minute.");
        }

        return TypedResults.Ok(new LaneView(state.Node, state.Syncing, state.PausedBecause, state.LastSyncAt, state.LastCompleteFullSyncAt, state.NextCheckAt,
            state.Delivering, state.DeliveryPausedBecause, state.DeliveryResumeAt));
    }

    private static async Task<Results<Ok<List<AuditView>>, ProblemHttpResult>> AuditAsync(
        Guid id, ConnectionService connections, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!user.MayTouch(id) || !await db.Connections.AnyAsync(c => c.Id == new ConnectionId(id), cancellationToken))
        {
            return Problems.NotFound("connection");
        }

        var audit = await connections.AuditAsync(new ConnectionId(id), cancellationToken);
        return TypedResults.Ok(audit.Select(a => new AuditView(a.At, a.Actor, a.Action, a.Detail)).ToList());
    }

    private static Dictionary<string, string[]> Validate(CreateConnectionRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        void Text(string field, string? value, int max, string what)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors[field] = [$"{what} is required."];
            }
            else if (value.Trim().Length > max)
            {
                errors[field] = [$"{what} is at most {max} characters."];
            }
        }

        Text("displayName", request.DisplayName, 200, "A display name");
        Text("customerName", request.CustomerName, 200, "The customer's name");
        Text("clientId", request.ClientId, 200, "The Client ID from SmartRecruiters");
        Text("clientSecret", request.ClientSecret, 500, "The Client Secret from SmartRecruiters");
        if (!ConnectionRules.IsCompanyIdentifier(request.CompanyIdentifier))
        {
            errors["companyIdentifier"] = ["The Company identifier from SmartRecruiters (Settings/Admin > Company profile): letters, digits, '-' or '_', at most 100."];
        }

        if (request.BaseUrl is not null && !ConnectionRules.IsAllowedBaseUrl(request.BaseUrl))
        {
            errors["baseUrl"] = ["An absolute HTTPS URL without a query, at most 500 characters, e.g. https://api.smartrecruiters.com (the default when left out); plain http only to this machine."];
        }

        if (request.Tags is { } tags && !ConnectionRules.AreValidTags(tags))
        {
            errors["tags"] = ["At most 20 tags of 1 to 100 characters."];
        }

        foreach (var (field, value) in new[] { ("sourceTypeId", request.SourceTypeId), ("sourceSubTypeId", request.SourceSubTypeId), ("sourceId", request.SourceId) })
        {
            if (value is { Length: > 100 })
            {
                errors[field] = ["At most 100 characters."];
            }
        }

        return errors;
    }

    private static string Actor(ClaimsPrincipal user) => ConnectionEndpointsActor.Of(user);
}
