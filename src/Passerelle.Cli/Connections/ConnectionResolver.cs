using System.Text.Json.Nodes;
using Passerelle.Cli.Api;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Connections;

/// <summary>A connection as people name it: its id, or its display name in any case.</summary>
internal static class ConnectionResolver
{
    /// <summary>The connection's id; an unknown name exits 3 with the closest name.</summary>
    public static async Task<Guid> IdAsync(ApiClient api, string nameOrId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(nameOrId, out var id))
        {
            return id;
        }

        return Guid.Parse((await FindAsync(api, nameOrId, cancellationToken)).S("id")!);
    }

    /// <summary>The connection itself (GET by id, or found in the list by name).</summary>
    public static async Task<JsonNode> GetAsync(ApiClient api, string nameOrId, CancellationToken cancellationToken) =>
        Guid.TryParse(nameOrId, out var id)
            ? await api.GetAsync($"api/v1/connections/{id}", cancellationToken)
            : await FindAsync(api, nameOrId, cancellationToken);

    private static async Task<JsonNode> FindAsync(ApiClient api, string name, CancellationToken cancellationToken)
    {
        List<JsonNode> all;
        try
        {
            all = (await api.GetAsync("api/v1/connections", cancellationToken)).Items().ToList();
        }
        catch (CliException e) when (e.HttpStatus == 403)
        {
            throw new CliException(ExitCodes.Auth, $"This API key may not list connections, so '{name}' cannot be looked up by name.",
                "Give the connection's id instead (a platform key is given its connections' ids), or use an admin key.");
        }

        var matches = all.Where(c => string.Equals(c.S("displayName")?.Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.NotFound, Names.NotFound("connection", name, [.. all.Select(c => c.S("displayName")!)]),
                "'passerelle connections list' shows them all."),
            _ => throw new CliException(ExitCodes.Usage, $"Several connections are named '{name}' (in different cases): give its id.",
                string.Join(", ", matches.Select(m => m.S("id")))),
        };
    }
}
