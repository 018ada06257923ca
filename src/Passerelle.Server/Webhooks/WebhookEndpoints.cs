using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Core.Webhooks;
using Passerelle.Server.Auth;
using Passerelle.Server.Connections;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Webhooks;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateWebhookSubscriptionRequest(string? Url, string? Description = null, List<string>? EventTypes = null, List<Guid>? ConnectionIds = null);

/// <summary>Only the fields given change; <c>[]</c> for event types or connections means all of them.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateWebhookSubscriptionRequest(string? Url = null, string? Description = null, List<string>? EventTypes = null, List<Guid>? ConnectionIds = null, bool? Paused = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReplaySinceRequest(DateTimeOffset? Since);

/// <summary>A subscription as the API shows it: never its secret.</summary>
public sealed record WebhookSubscriptionView(
    Guid Id, string Url, string? Description, IReadOnlyList<string> EventTypes, IReadOnlyList<Guid> ConnectionIds, bool Paused,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt)
{
    public static WebhookSubscriptionView From(WebhookSubscription s) =>
        new(s.Id, s.Url, s.Description, s.EventTypes, s.ConnectionIds, s.IsPaused, s.CreatedAt, s.CreatedBy, s.UpdatedAt);
}

/// <summary>The signing secret, in this answer only.</summary>
public sealed record WebhookSecretView(string Secret, string Note, WebhookSubscriptionView Subscription)
{
    public const string OnceNote = "Store this secret now: it is shown only in this answer and cannot be read again (rotate it if it is lost). "
                                   + "Check every request's Passerelle-Signature with it; see docs/webhooks.md.";

    public override string ToString() => $"WebhookSecretView(***, {Subscription.Id})";
}

public sealed record WebhookDeliveryView(
    Guid Id, Guid EventId, string EventType, Guid ConnectionId, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, long? LastDurationMs, DateTimeOffset? DeliveredAt, Guid? ReplayOf)
{
    public static WebhookDeliveryView From(WebhookDelivery d) => new(
        d.Id, d.EventId, d.EventType, d.ConnectionId.Value, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.CreatedAt,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode, d.LastError, d.LastDurationMs, d.DeliveredAt, d.ReplayOf);
}

public sealed record WebhookDeliveryPageView(IReadOnlyList<WebhookDeliveryView> Items, string? NextCursor);

public sealed record WebhookReplayView(int Queued, bool Truncated, string Detail);

/// <summary>
/// <c>/api/v1/webhook-subscriptions</c>: where Hippolyte-rh receives events, for admin keys. A key restricted to
/// some connections sees and makes only subscriptions limited to those connections; the others are 404 to it.
/// </summary>
internal static class WebhookEndpoints
{
    private const int MaxReplay = 10_000;

    private static readonly IReadOnlyList<string> KnownEventTypes = EventTypes.All;

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/webhook-subscriptions").RequireAuthorization(AuthPolicies.Admin).WithTags("Webhooks");
        group.MapPost("/", CreateAsync).WithSummary("Subscribe a URL to events; the answer is the only time the signing secret is shown.");
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:guid}", GetAsync);
        group.MapPatch("/{id:guid}", UpdateAsync).WithSummary("Change the URL, description, event types, connections, or pause/resume (resuming restarts the waiting deliveries' 24 h).");
        group.MapDelete("/{id:guid}", DeleteAsync).WithSummary("Delete the subscription and its delivery log.");
        group.MapPost("/{id:guid}/rotate-secret", RotateSecretAsync).WithSummary("Replace the signing secret at once; the new one is shown in this answer only.");
        group.MapGet("/{id:guid}/deliveries", DeliveriesAsync).WithSummary("The delivery log, newest first, with cursor pagination.");
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/replay", ReplayDeliveryAsync).WithSummary("Send this delivery's event again.");
        group.MapPost("/{id:guid}/replay", ReplaySinceAsync).WithSummary("Send again every event since a time that this subscription wants.");
    }

    private static async Task<Results<Created<WebhookSecretView>, ProblemHttpResult>> CreateAsync(
        CreateWebhookSubscriptionRequest request, PasserelleDbContext db, SecretProtector secrets, ClaimsPrincipal user, TimeProvider time,
        IOptions<WebhookOptions> options, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(request.Url, request.Description, request.EventTypes, request.ConnectionIds ?? [], urlRequired: true, db, user, cancellationToken);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (NotPublic(request.Url!, options.Value) is { } refused)
        {
            return refused;
        }

        var secret = WebhookSignature.NewSecret();
        var now = time.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Url = request.Url!.Trim(), Description = Blank(request.Description), EventTypes = [.. (request.EventTypes ?? []).Distinct(StringComparer.Ordinal)],
            ConnectionIds = [.. (request.ConnectionIds ?? []).Distinct()], ProtectedSecret = secrets.Protect(secret), CreatedAt = now,
            CreatedBy = ConnectionEndpointsActor.Of(user), UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/webhook-subscriptions/{subscription.Id}",
            new WebhookSecretView(secret, WebhookSecretView.OnceNote, WebhookSubscriptionView.From(subscription)));
    }

    private static async Task<Ok<List<WebhookSubscriptionView>>> ListAsync(PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var all = await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(all.Where(s => MaySee(user, s)).Select(WebhookSubscriptionView.From).ToList());
    }

    private static async Task<Results<Ok<WebhookSubscriptionView>, ProblemHttpResult>> GetAsync(Guid id, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await FindAsync(id, db, user, tracked: false, cancellationToken) is { } s ? TypedResults.Ok(WebhookSubscriptionView.From(s)) : Problems.NotFound("webhook subscription");

    private static async Task<Results<Ok<WebhookSubscriptionView>, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateWebhookSubscriptionRequest request, PasserelleDbContext db, ClaimsPrincipal user, TimeProvider time, IOptions<WebhookOptions> options,
        CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(id, db, user, tracked: true, cancellationToken);
        if (subscription is null)
        {
            return Problems.NotFound("webhook subscription");
        }

        var errors = await ValidateAsync(request.Url, request.Description, request.EventTypes, request.ConnectionIds ?? subscription.ConnectionIds,
            urlRequired: false, db, user, cancellationToken);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (request.Url is not null && NotPublic(request.Url, options.Value) is { } refused)
        {
            return refused;
        }

        if (request.Url is not null)
        {
            subscription.Url = request.Url.Trim();
        }

        if (request.Description is not null)
        {
            subscription.Description = Blank(request.Description);
        }

        if (request.EventTypes is not null)
        {
            subscription.EventTypes = [.. request.EventTypes.Distinct(StringComparer.Ordinal)];
        }

        if (request.ConnectionIds is not null)
        {
            subscription.ConnectionIds = [.. request.ConnectionIds.Distinct()];
        }

        var now = time.GetUtcNow();
        if (request.Paused is { } paused)
        {
            if (subscription.IsPaused && !paused)
            {
                // Before the subscription is saved as resumed, so no round sends them with the old window. Should the save
                // then fail, the only effect is a window restarted while still paused.
                await WebhookDispatcher.RestartRetryWindowAsync(db, subscription.Id, now, cancellationToken);
            }

            subscription.IsPaused = paused;
        }

        subscription.Version++;
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WebhookSubscriptionView.From(subscription));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, PasserelleDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(id, db, user, tracked: true, cancellationToken);
        if (subscription is null)
        {
            return Problems.NotFound("webhook subscription");
        }

        // Its deliveries go with it (cascade): nothing is sent for a subscription that no longer exists.
        db.WebhookSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<WebhookSecretView>, ProblemHttpResult>> RotateSecretAsync(
        Guid id, PasserelleDbContext db, SecretProtector secrets, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(id, db, user, tracked: true, cancellationToken);
        if (subscription is null)
        {
            return Problems.NotFound("webhook subscription");
        }

        var secret = WebhookSignature.NewSecret();
        subscription.ProtectedSecret = secrets.Protect(secret);
        subscription.Version++;
        subscription.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new WebhookSecretView(secret, WebhookSecretView.OnceNote + " The previous secret no longer signs anything.",
            WebhookSubscriptionView.From(subscription)));
    }

    private static async Task<Results<Ok<WebhookDeliveryPageView>, ProblemHttpResult>> DeliveriesAsync(
        Guid id, PasserelleDbContext db, ClaimsPrincipal user, string? status, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, db, user, tracked: false, cancellationToken) is null)
        {
            return Problems.NotFound("webhook subscription");
        }

        var errors = new Dictionary<string, string[]>();
        DeliveryStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (Enum.TryParse<DeliveryStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(status, out _))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = ["'pending', 'delivered' or 'failed'."];
            }
        }

        var size = limit ?? 50;
        if (size is < 1 or > 200)
        {
            errors["limit"] = ["Between 1 and 200 (default 50)."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        Guid? before = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (Cursor.Decode("w1", cursor) is not { } decoded)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "webhooks.bad_cursor", "This cursor was not issued by this API: start again without a cursor.");
            }

            before = decoded;
        }

        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        if (wanted is { } state)
        {
            query = query.Where(d => d.Status == state);
        }

        if (before is { } last)
        {
            // Ids are UUIDv7: they sort in creation order and never change, so pages are stable while deliveries are added.
            query = query.Where(d => d.Id.CompareTo(last) < 0);
        }

        var page = await query.OrderByDescending(d => d.Id).Take(size + 1).ToListAsync(cancellationToken);
        var more = page.Count > size;
        if (more)
        {
            page.RemoveAt(size);
        }

        return TypedResults.Ok(new WebhookDeliveryPageView([.. page.Select(WebhookDeliveryView.From)], more ? Cursor.Encode("w1", page[^1].Id) : null));
    }

    private static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> ReplayDeliveryAsync(
        Guid id, Guid deliveryId, PasserelleDbContext db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var original = await FindAsync(id, db, user, tracked: false, cancellationToken) is null
            ? null
            : await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken);
        if (original is null)
        {
            return Problems.NotFound("webhook delivery");
        }

        if (original.Status == DeliveryStatus.Pending)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "webhooks.delivery_pending",
                "This delivery is still being attempted: wait until it is delivered or failed (see nextAttemptAt), then replay it.");
        }

        var replay = WebhookReplay.Of(original, time.GetUtcNow());
        db.WebhookDeliveries.Add(replay);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhook-subscriptions/{id}/deliveries?status=pending", WebhookDeliveryView.From(replay));
    }

    private static async Task<Results<Accepted<WebhookReplayView>, ProblemHttpResult>> ReplaySinceAsync(
        Guid id, ReplaySinceRequest request, PasserelleDbContext db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(id, db, user, tracked: false, cancellationToken);
        if (subscription is null)
        {
            return Problems.NotFound("webhook subscription");
        }

        var now = time.GetUtcNow();
        if (request.Since is not { } since || since > now)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["since"] = ["An instant in the past, e.g. \"2026-12-01T08:00:00Z\": every event since then is sent again."] });
        }

        var (queued, truncated) = await WebhookReplay.SinceAsync(db, subscription, since, now, MaxReplay, cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhook-subscriptions/{id}/deliveries?status=pending", new WebhookReplayView(queued, truncated,
            truncated
                ? $"The first {MaxReplay} events were queued: replay again from the occurredAt of the last one received to queue the rest."
                : $"{queued} events queued; they are sent oldest first."));
    }

    private static async Task<WebhookSubscription?> FindAsync(Guid id, PasserelleDbContext db, ClaimsPrincipal user, bool tracked, CancellationToken cancellationToken)
    {
        var query = tracked ? db.WebhookSubscriptions : db.WebhookSubscriptions.AsNoTracking();
        var subscription = await query.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return subscription is not null && MaySee(user, subscription) ? subscription : null;
    }

    /// <summary>A restricted key sees only subscriptions limited to its own connections (an empty list means all connections).</summary>
    private static bool MaySee(ClaimsPrincipal user, WebhookSubscription subscription) =>
        !user.IsRestricted() || (subscription.ConnectionIds.Count > 0 && subscription.ConnectionIds.All(user.MayTouch));

    private static async Task<Dictionary<string, string[]>> ValidateAsync(
        string? url, string? description, List<string>? eventTypes, List<Guid> connectionIds, bool urlRequired, PasserelleDbContext db, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (url is null ? urlRequired : !IsAcceptableUrl(url.Trim()))
        {
            errors["url"] = ["An absolute HTTPS URL of at most 2000 characters, without user info or fragment, e.g. https://hooks.hippolyte-rh.fr/passerelle; "
                             + "plain http only to this machine (127.0.0.1, localhost) when Webhooks:AllowPrivateNetworks is on."];
        }

        if (description is { Length: > 500 })
        {
            errors["description"] = ["At most 500 characters (\"\" clears it)."];
        }

        if (eventTypes is not null && !WebhookRules.AreKnownEventTypes(eventTypes))
        {
            errors["eventTypes"] = [$"Known event types only: {string.Join(", ", KnownEventTypes)}; leave it out or send [] for all of them."];
        }

        if (connectionIds.Count > 100)
        {
            errors["connectionIds"] = ["At most 100 connections; leave it out or send [] for all of them."];
        }
        else if (user.IsRestricted() && (connectionIds.Count == 0 || !connectionIds.All(user.MayTouch)))
        {
            errors["connectionIds"] = ["This API key may touch only some connections: list them (all must be among them); an empty list would mean every connection."];
        }
        else if (connectionIds.Count > 0)
        {
            var wanted = connectionIds.Distinct().Select(c => new ConnectionId(c)).ToList();
            var known = await db.Connections.CountAsync(c => wanted.Contains(c.Id), cancellationToken);
            if (known != wanted.Count)
            {
                errors["connectionIds"] = ["Every id must be an existing connection."];
            }
        }

        return errors;
    }

    /// <summary>
    /// The signed body must not be aimed at this machine or a private network (see <see cref="WebhookAddresses"/>):
    /// IP literals and <c>localhost</c> are refused here, names that resolve to such addresses when connecting.
    /// Plain http (to this machine only, by <see cref="IsAcceptableUrl"/>) needs <see cref="WebhookOptions.AllowPrivateNetworks"/> too.
    /// </summary>
    private static ProblemHttpResult? NotPublic(string url, WebhookOptions options)
    {
        return !WebhookRules.IsRefusedAsNotPublic(url, options)
            ? null
            : Problems.Of(StatusCodes.Status400BadRequest, "webhooks.url_not_public",
                "This URL points to this machine or a private network: a public HTTPS URL is required (an on-premise receiver needs Webhooks:AllowPrivateNetworks, see docs/webhooks.md).");
    }

    private static bool IsAcceptableUrl(string url) => WebhookRules.IsAcceptableUrl(url);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
