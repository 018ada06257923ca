using System.CommandLine;
using System.Text.Json.Nodes;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Connections;

/// <summary><c>passerelle connections …</c>: customers' SmartRecruiters credentials (admin keys).</summary>
internal static class ConnectionCommands
{
    /// <summary>SmartRecruiters' production API: the server's default base URL for a connection.</summary>
    public const string ProductionBaseUrl = "https://api.smartrecruiters.com";

    public static Command Build(CliActions actions)
    {
        var connections = new Command("connections", "Customers' SmartRecruiters connections: onboard, probe, rotate, disconnect, audit (admin key).");
        connections.Subcommands.Add(List(actions));
        connections.Subcommands.Add(Show(actions));
        connections.Subcommands.Add(Add(actions));
        connections.Subcommands.Add(Test(actions));
        connections.Subcommands.Add(RotateSecret(actions));
        connections.Subcommands.Add(Disconnect(actions));
        connections.Subcommands.Add(Audit(actions));
        return connections;
    }

    public static Argument<string> ConnectionArgument() => new("connection") { Description = "The connection's id or display name (any case)." };

    private static Command List(CliActions actions)
    {
        var status = new Option<string?>("--status") { Description = "Only connections in this status: Pending, Active, NeedsAttention or Disconnected.", HelpName = "STATUS" };
        var command = new Command("list", "List the connections with their status and what needs attention.") { status };
        actions.Set(command, async (context, ct) =>
        {
            var query = context.Get(status) is { Length: > 0 } s ? "?status=" + Uri.EscapeDataString(s) : "";
            var all = await context.Api.GetAsync("api/v1/connections" + query, ct);
            if (context.Out.Json)
            {
                context.Out.Document(all);
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Name", "Status", "Company", "Attention", "Last probed", "Id");
            foreach (var c in all.Items())
            {
                CliOutput.Row(table, c.S("displayName"), c.S("status"), c.S("companyIdentifier"), c.S("attentionReason"), c.When("lastProbedAt"), c.S("id"));
            }

            context.Out.Write(table);
            context.Out.Line($"{all.Items().Count()} connection(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliActions actions)
    {
        var connection = ConnectionArgument();
        var command = new Command("show", "Show one connection: status, attention reason and detail, the last probe's findings (e.g. extra scopes).") { connection };
        actions.Set(command, async (context, ct) =>
        {
            var found = await ConnectionResolver.GetAsync(context.Api, context.Get(connection)!, ct);
            if (context.Out.Json)
            {
                context.Out.Document(found);
                return ExitCodes.Ok;
            }

            Print(context.Out, found);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Add(CliActions actions)
    {
        var name = new Option<string>("--name") { Description = "The display name account managers know it by, e.g. 'Maison Azur'.", Required = true };
        var customer = new Option<string>("--customer") { Description = "The customer's legal name, e.g. 'Maison Azur SAS'.", Required = true };
        var company = new Option<string>("--company") { Description = "The SmartRecruiters company identifier (Settings/Admin > Company profile).", Required = true };
        var clientId = new Option<string>("--client-id") { Description = "The Client ID of the customer's SmartRecruiters credential.", Required = true };
        var baseUrl = new Option<string>("--base-url")
        {
            Description = "The SmartRecruiters API address (the sandbox's URL for tests).",
            DefaultValueFactory = _ => ProductionBaseUrl,
            HelpName = "URL",
        };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable), e.g. --tag hippolyte-rh.", AllowMultipleArgumentsPerToken = false };
        var secret = new SecretInput();
        var command = new Command("add", "Onboard a customer: the credential is probed at once and the verdict shown (exit 1 if it has problems).")
        {
            name, customer, company, clientId, baseUrl, tags,
        };
        secret.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            var clientSecret = secret.Read(context);
            var body = new JsonObject
            {
                ["displayName"] = context.Get(name),
                ["customerName"] = context.Get(customer),
                ["companyIdentifier"] = context.Get(company),
                ["clientId"] = context.Get(clientId),
                ["clientSecret"] = clientSecret,
                ["baseUrl"] = context.Get(baseUrl),
            };
            if (context.Get(tags) is { Length: > 0 } t)
            {
                body["tags"] = new JsonArray([.. t.Select(x => (JsonNode)x)]);
            }

            var created = (await context.Api.PostAsync("api/v1/connections", body, ct)).Body!;
            return Verdict(context, created, $"Connection '{created.S("displayName")}' created: {created.S("id")}");
        });
        return command;
    }

    private static Command Test(CliActions actions)
    {
        var connection = ConnectionArgument();
        var command = new Command("test", "Probe the stored credential again and show the verdict (exit 1 if it has problems).") { connection };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var tested = (await context.Api.PostAsync($"api/v1/connections/{id}/test", null, ct)).Body!;
            return Verdict(context, tested, $"Connection '{tested.S("displayName")}' probed.");
        });
        return command;
    }

    private static Command RotateSecret(CliActions actions)
    {
        var connection = ConnectionArgument();
        var secret = new SecretInput();
        var command = new Command("rotate-secret", "Replace the Client Secret; the new one is verified first and the old one kept if SmartRecruiters refuses it (exit 1).") { connection };
        secret.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            var clientSecret = secret.Read(context);
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var rotation = (await context.Api.PutAsync($"api/v1/connections/{id}/secret", new JsonObject { ["clientSecret"] = clientSecret }, ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(rotation);
                return rotation.B("applied") ? ExitCodes.Ok : ExitCodes.Failed;
            }

            context.Out.Line(rotation.S("detail") ?? "");
            var exit = Verdict(context, rotation["connection"]!, null);
            return rotation.B("applied") ? exit : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Disconnect(CliActions actions)
    {
        var connection = ConnectionArgument();
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit trail (at most 500 characters)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var command = new Command("disconnect", "Erase the secret and stop the connection for good; waiting applications fail; its history stays.") { connection, reason, yes };
        actions.Set(command, async (context, ct) =>
        {
            var found = await ConnectionResolver.GetAsync(context.Api, context.Get(connection)!, ct);
            context.Confirm(context.Get(yes), $"Disconnect '{found.S("displayName")}'? Its secret is erased and it cannot be reconnected.");
            var body = context.Get(reason) is { } r ? new JsonObject { ["reason"] = r } : new JsonObject();
            var disconnected = (await context.Api.PostAsync($"api/v1/connections/{found.S("id")}/disconnect", body, ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(disconnected);
                return ExitCodes.Ok;
            }

            context.Out.Line($"Connection '{disconnected.S("displayName")}' is {disconnected.S("status")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Audit(CliActions actions)
    {
        var connection = ConnectionArgument();
        var command = new Command("audit", "Who did what to the connection, oldest first.") { connection };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var audit = await context.Api.GetAsync($"api/v1/connections/{id}/audit", ct);
            if (context.Out.Json)
            {
                context.Out.Document(audit);
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("At", "Actor", "Action", "Detail");
            foreach (var line in audit.Items())
            {
                CliOutput.Row(table, line.When("at"), line.S("actor"), line.S("action"), line.S("detail"));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The connection and the verdict its probe returned; exit 1 when the verdict has problems.</summary>
    private static int Verdict(CliContext context, JsonNode connection, string? headline)
    {
        var problems = connection["verdict"].Items("problems").ToList();
        if (context.Out.Json)
        {
            context.Out.Document(connection);
        }
        else
        {
            if (headline is not null)
            {
                context.Out.Line(headline);
            }

            Print(context.Out, connection);
        }

        return problems.Count > 0 || connection.S("status") == "NeedsAttention" ? ExitCodes.Failed : ExitCodes.Ok;
    }

    public static void Print(CliOutput output, JsonNode c)
    {
        var probe = c["lastProbe"];
        var scopes = probe?["requiredScopes"] is JsonObject required ? string.Join(", ", required.Select(s => $"{s.Key} {s.Value}")) : null;
        output.Fields(
            ("Name", c.S("displayName")), ("Id", c.S("id")), ("Customer", c.S("customerName")), ("Company", c.S("companyIdentifier")),
            ("Client ID", c.S("clientId")), ("Base URL", c.S("baseUrl")), ("Status", c.S("status")),
            ("Attention", c.S("attentionReason")), ("Detail", c.S("attentionDetail")),
            ("Secret", c.B("hasSecret") ? "stored (never shown)" : "none"),
            ("Tags", string.Join(", ", c.Items("tags").Select(t => t.ToString()))), ("Delivery", c.S("deliveryMode")),
            ("Last probed", c.When("lastProbedAt")), ("Token", probe.S("token")), ("Scopes", scopes),
            ("Extra scopes", string.Join(", ", probe.Items("extraScopes").Select(s => s.ToString()))),
            ("API access", probe.S("apiAccess")), ("Company check", probe.S("company")),
            ("Probe warnings", string.Join(", ", probe.Items("warnings").Select(w => w.ToString()))),
            ("Created", $"{c.When("createdAt")} by {c.S("createdBy")}"), ("Updated", $"{c.When("updatedAt")} by {c.S("updatedBy")}"));
        foreach (var problem in c["verdict"].Items("problems"))
        {
            output.Line($"Problem ({problem.S("code")}): {problem.S("problem")}");
            output.Line($"  Fix: {problem.S("remedy")}");
        }

        foreach (var warning in c["verdict"].Items("warnings"))
        {
            output.Line($"Warning ({warning.S("code")}): {warning.S("problem")}");
            output.Line($"  Fix: {warning.S("remedy")}");
        }
    }
}
