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
        var group = endpoints.MapGroup("/api/v1/api-keys").RequireAuthorization(AuthPolicies.Admin).WithTags("API keys");
        group.MapPost("/", CreateAsync).WithSummary("Create a key; the answer is the only time it is shown.");
        group.MapGet("/", ListAsync);
        group.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revoke a key at once.");
    }

    private static async Task<Results<Created<CreatedApiKeyView>, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest request, PasserelleDbContext db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors["name"] = ["A name of 1 to 200 characters, saying who uses the key (e.g. 'hippolyte-rh production')."];
        }

        if (!Enum.TryParse<ApiRole>(request.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role))
        {
            errors["role"] = ["'admin' (manage connections and keys) or 'platform' (read jobs, submit applications)."];
        }

        var connections = request.Connections ?? [];
        if (connections.Count > 0)
        {
            var wanted = connections.Distinct().Select(c => new Core.Connections.ConnectionId(c)).ToList();
            var known = await db.Connections.Where(c => wanted.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
            if (known.Count != connections.Distinct().Count())
            {
                errors["connections"] = ["Every id must be an existing connection."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var name = request.Name!.Trim();
        if (await db.ApiClients.AnyAsync(c => c.Name == name, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, "api_key.name_taken", $"A key is already named '{name}': choose another name.");
        }

        var (client, key) = ApiClient.Issue(name, role, "api:" + user.Identity?.Name, time.GetUtcNow(), connections.Distinct());
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

        client.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(ApiKeyView.From(client));
    }
}
