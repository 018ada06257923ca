using System.CommandLine;
using System.Text.Json.Nodes;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.ApiKeys;

/// <summary><c>passerelle keys …</c>: API keys, named and role-bound (unrestricted admin key).</summary>
internal static class KeyCommands
{
    public static Command Build(CliActions actions)
    {
        var keys = new Command("keys", "API keys: create (shown once), list, revoke (unrestricted admin key).");
        keys.Subcommands.Add(Create(actions));
        keys.Subcommands.Add(List(actions));
        keys.Subcommands.Add(Revoke(actions));
        return keys;
    }

    private static Command Create(CliActions actions)
    {
        var name = new Option<string>("--name") { Description = "Who uses the key, e.g. 'hippolyte-rh production' (unique).", Required = true };
        var role = new Option<string>("--role")
        {
            Description = "admin (connections, keys, webhooks) or platform (read jobs, submit applications). Default platform.",
            DefaultValueFactory = _ => "platform",
        };
        role.AcceptOnlyFromAmong("admin", "platform");
        var connections = new Option<string[]>("--connection") { Description = "Limit the key to this connection, by id or name (repeatable); all when left out.", HelpName = "CONNECTION" };
        var command = new Command("create", "Create a key; it is printed once, in this answer only: store it now.") { name, role, connections };
        actions.Set(command, async (context, ct) =>
        {
            var ids = new JsonArray();
            foreach (var connection in context.Get(connections) ?? [])
            {
                ids.Add((await ConnectionResolver.IdAsync(context.Api, connection, ct)).ToString());
            }

            var body = new JsonObject { ["name"] = context.Get(name), ["role"] = context.Get(role) };
            if (ids.Count > 0)
            {
                body["connections"] = ids;
            }

            var created = (await context.Api.PostAsync("api/v1/api-keys", body, ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(created);
                return ExitCodes.Ok;
            }

            var key = created["apiKey"];
            context.Out.Fields(("Key", created.S("key")), ("Id", key.S("id")), ("Name", key.S("name")), ("Role", key.S("role")),
                ("Connections", key.Items("connections").Any() ? string.Join(", ", key.Items("connections")) : "all"));
            context.Out.Hint("Store the key now: it is shown only this once and cannot be read again.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliActions actions)
    {
        var command = new Command("list", "List the keys (never the keys themselves): name, role, connections, created, revoked.");
        actions.Set(command, async (context, ct) =>
        {
            var keys = await context.Api.GetAsync("api/v1/api-keys", ct);
            if (context.Out.Json)
            {
                context.Out.Document(keys);
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Name", "Role", "Connections", "Created", "By", "Revoked", "Id");
            foreach (var k in keys.Items())
            {
                CliOutput.Row(table, k.S("name"), k.S("role"), k.Items("connections").Any() ? k.Items("connections").Count() + " connection(s)" : "all",
                    k.When("createdAt"), k.S("createdBy"), k.When("revokedAt"), k.S("id"));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(CliActions actions)
    {
        var id = new Argument<string>("key") { Description = "The key's id, or its name (any case)." };
        var command = new Command("revoke", "Revoke a key at once (the last admin key cannot be revoked).") { id };
        actions.Set(command, async (context, ct) =>
        {
            var text = context.Get(id)!;
            if (!Guid.TryParse(text, out var keyId))
            {
                var keys = (await context.Api.GetAsync("api/v1/api-keys", ct)).Items().ToList();
                var match = keys.FirstOrDefault(k => string.Equals(k.S("name"), text.Trim(), StringComparison.OrdinalIgnoreCase))
                            ?? throw new CliException(ExitCodes.NotFound, Names.NotFound("API key", text, [.. keys.Select(k => k.S("name")!)]));
                keyId = Guid.Parse(match.S("id")!);
            }

            var revoked = (await context.Api.DeleteAsync($"api/v1/api-keys/{keyId}", ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(revoked);
                return ExitCodes.Ok;
            }

            context.Out.Line($"Key '{revoked.S("name")}' revoked at {revoked.When("revokedAt")}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
