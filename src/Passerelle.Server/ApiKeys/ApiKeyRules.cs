using Microsoft.EntityFrameworkCore;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.ApiKeys;

/// <summary>The rules for API keys that the REST API and the console's admin page share, so they cannot drift apart.</summary>
internal static class ApiKeyRules
{
    public const int MaxNameLength = 200;
    public const int MaxConnections = 100;

    /// <summary>1 to 200 characters once trimmed.</summary>
    public static bool IsValidName(string? name) => !string.IsNullOrWhiteSpace(name) && name.Trim().Length <= MaxNameLength;

    /// <summary>Whether a key is already named <paramref name="name"/> (trimmed), revoked ones included: names are unique.</summary>
    public static Task<bool> NameTakenAsync(PasserelleDbContext db, string name, CancellationToken cancellationToken)
    {
        var trimmed = name.Trim();
        return db.ApiClients.AnyAsync(c => c.Name == trimmed, cancellationToken);
    }

    /// <summary>Whether every id is an existing connection.</summary>
    public static async Task<bool> AllExistAsync(PasserelleDbContext db, IReadOnlyCollection<Guid> connections, CancellationToken cancellationToken)
    {
        var wanted = connections.Distinct().Select(c => new ConnectionId(c)).ToList();
        var known = await db.Connections.Where(c => wanted.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
        return known.Count == wanted.Count;
    }

    /// <summary>
    /// Revoking <paramref name="client"/> would leave no active admin key: it is an active unrestricted admin key and
    /// no other active admin key exists. Nobody could then manage Passerelle through the API.
    /// </summary>
    public static async Task<bool> IsLastAdminAsync(PasserelleDbContext db, ApiClient client, CancellationToken cancellationToken) =>
        client.RevokedAt is null && client.Role == ApiRole.Admin && client.AllowedConnections.Count == 0
        && !await db.ApiClients.AnyAsync(c => c.Id != client.Id && c.RevokedAt == null && c.Role == ApiRole.Admin, cancellationToken);
}
