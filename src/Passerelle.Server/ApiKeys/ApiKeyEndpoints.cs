using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Persistence;
using Passerelle.Server.Auth;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.ApiKeys;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateApiKeyRequest(string? Name, string? Role, List<Guid>? Connections = null);

public sealed record ApiKeyView(Guid Id, string Name, string Role, IReadOnlyList<Guid> Connections, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt)
{
    public static ApiKeyView From(ApiClient c) => new(c.Id, c.Name, c.Role.ToString().ToLowerInvariant(), c.AllowedConnections, c.CreatedAt, c.CreatedBy, c.RevokedAt);
}

/// <summary>The key itself, shown in this answer only.</summary>
public sealed record CreatedApiKeyView(string Key, ApiKeyView ApiKey)
{
    public override string ToString() => $"CreatedApiKeyView(***, {ApiKey.Name})";
}

/// <summary><c>/api/v1/api-keys</c>: named, role-bound, revocable keys; stored hashed, shown once.</summary>
internal static class ApiKeyEndpoints
{
    public static void MapApiKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Only an unrestricted admin manages keys: a key limited to some connections must not mint an unlimited one.
        var group = endpoints.MapGroup("/api/v1/api-keys").RequireAuthorization(AuthPolicies.UnrestrictedAdmin).WithTags("API keys");
        group.MapPost("/", CreateAsync).WithSummary("Create a key; the answer is the only time it is shown.");
        group.MapGet("/", ListAsync);
        group.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revoke a key at once.");
    }

    private static async Task<Results<Created<CreatedApiKeyView>, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest request, PasserelleDbContext db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ApiKeyRules.IsValidName(request.Name))
        {
            errors["name"] = ["A name of 1 to 200 characters, saying who uses the key (e.g. 'hippolyte-rh production')."];
        }

        ApiRole? parsed = request.Role?.Trim().ToLowerInvariant() switch
        {
            "admin" => ApiRole.Admin,
            "platform" => ApiRole.Platform,
            _ => null,
        };
        var role = parsed ?? ApiRole.Platform;
        if (parsed is null)
        {
            errors["role"] = ["'admin' (manage connections and keys) or 'platform' (read jobs, submit applications)."];
        }

        var connections = request.Connections ?? [];
        if (connections.Count > ApiKeyRules.MaxConnections)
        {
            errors["connections"] = ["At most 100 connections; leave it out for a key that may touch all."];
        }
        else if (connections.Count > 0 && !await ApiKeyRules.AllExistAsync(db, connections, cancellationToken))
        {
            errors["connections"] = ["Every id must be an existing connection."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var name = request.Name!.Trim();
        if (await ApiKeyRules.NameTakenAsync(db, name, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "api_key.name_taken", $"A key is already named '{name}': choose another name.");
        }

        var (client, key) = ApiClient.Issue(name, role, Connections.ConnectionEndpointsActor.Of(user), time.GetUtcNow(), connections.Distinct());
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{client.Id}", new CreatedApiKeyView(key, ApiKeyView.From(client)));
    }

    private static async Task<Ok<List<ApiKeyView>>> ListAsync(PasserelleDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.ApiClients.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken)).Select(ApiKeyView.From).ToList());

    private static async Task<Results<Ok<ApiKeyView>, ProblemHttpResult>> RevokeAsync(Guid id, PasserelleDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = await db.ApiClients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return Problems.NotFound("API key");
        }

        if (await ApiKeyRules.IsLastAdminAsync(db, client, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "api_key.last_admin",
                "This is the last active admin key: create another admin key first, or nobody could manage Passerelle any more.");
        }

        client.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(ApiKeyView.From(client));
    }
}
