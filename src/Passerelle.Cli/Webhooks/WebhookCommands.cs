using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Webhooks;

/// <summary><c>passerelle webhooks …</c>: where events are sent, their delivery log and replays (admin key).</summary>
internal static class WebhookCommands
{
    public static Command Build(CliActions actions)
    {
        var webhooks = new Command("webhooks", "Webhook subscriptions: add (secret shown once), list, remove, the delivery log, replays (admin key).");
        webhooks.Subcommands.Add(Add(actions));
        webhooks.Subcommands.Add(List(actions));
        webhooks.Subcommands.Add(Remove(actions));
        webhooks.Subcommands.Add(Deliveries(actions));
        webhooks.Subcommands.Add(Replay(actions));
        return webhooks;
    }

    private static Argument<Guid> IdArgument() => new("subscription") { Description = "The subscription's id." };

    private static Command Add(CliActions actions)
    {
        var url = new Option<string>("--url") { Description = "Where to POST events: an HTTPS URL (http only to this machine when the server allows it).", Required = true };
        var description = new Option<string?>("--description") { Description = "What receives them, for people." };
        var events = new Option<string[]>("--event")
        {
            Description = "An event type to send (repeatable), e.g. job.created, application.delivered; all when left out.",
            HelpName = "TYPE",
        };
        var connections = new Option<string[]>("--connection") { Description = "Only events of this connection, by id or name (repeatable); all when left out.", HelpName = "CONNECTION" };
        var command = new Command("add", "Subscribe a URL to events; the signing secret is printed once, in this answer only.") { url, description, events, connections };
        actions.Set(command, async (context, ct) =>
        {
            var body = new JsonObject { ["url"] = context.Get(url) };
            if (context.Get(description) is { } d)
            {
                body["description"] = d;
            }

            if (context.Get(events) is { Length: > 0 } types)
            {
                body["eventTypes"] = new JsonArray([.. types.Select(t => (JsonNode)t)]);
            }

            if (context.Get(connections) is { Length: > 0 } names)
            {
                var ids = new JsonArray();
                foreach (var name in names)
                {
                    ids.Add((await ConnectionResolver.IdAsync(context.Api, name, ct)).ToString());
                }

                body["connectionIds"] = ids;
            }

            var created = (await context.Api.PostAsync("api/v1/webhook-subscriptions", body, ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(created);
                return ExitCodes.Ok;
            }

            var subscription = created["subscription"];
            context.Out.Fields(("Secret", created.S("secret")), ("Id", subscription.S("id")), ("URL", subscription.S("url")),
                ("Events", Events(subscription)), ("Connections", Connections(subscription)));
            context.Out.Hint(created.S("note") ?? "Store the secret now: it is shown only this once.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliActions actions)
    {
        var command = new Command("list", "List the subscriptions (never their secrets).");
        actions.Set(command, async (context, ct) =>
        {
            var all = await context.Api.GetAsync("api/v1/webhook-subscriptions", ct);
            if (context.Out.Json)
            {
                context.Out.Document(all);
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Id", "URL", "Events", "Connections", "Paused", "Description");
            foreach (var s in all.Items())
            {
                CliOutput.Row(table, s.S("id"), s.S("url"), Events(s), Connections(s), s.B("paused") ? "paused" : "", s.S("description"));
            }

            context.Out.Write(table);
            context.Out.Line($"{all.Items().Count()} subscription(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliActions actions)
    {
        var id = IdArgument();
        var command = new Command("remove", "Delete a subscription and its delivery log; nothing more is sent to it.") { id };
        actions.Set(command, async (context, ct) =>
        {
            await context.Api.DeleteAsync($"api/v1/webhook-subscriptions/{context.Get(id)}", ct);
            if (context.Out.Json)
            {
                context.Out.Document(new JsonObject { ["id"] = context.Get(id).ToString(), ["deleted"] = true });
                return ExitCodes.Ok;
            }

            context.Out.Line($"Subscription {context.Get(id)} removed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deliveries(CliActions actions)
    {
        var id = IdArgument();
        var status = new Option<string?>("--status") { Description = "Only pending, delivered or failed deliveries.", HelpName = "STATUS" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (pages are followed). Default 50.", DefaultValueFactory = _ => 50, HelpName = "N" };
        var command = new Command("deliveries", "The delivery log of a subscription, newest first: status, attempts, last answer.") { id, status, limit };
        actions.Set(command, async (context, ct) =>
        {
            var filter = context.Get(status) is { Length: > 0 } s ? "&status=" + Uri.EscapeDataString(s) : "";
            var max = Math.Max(1, context.Get(limit));
            var all = new List<JsonNode>();
            string? cursor = null;
            do
            {
                var page = await context.Api.GetAsync(
                    $"api/v1/webhook-subscriptions/{context.Get(id)}/deliveries?limit={Math.Min(context.Env.PageSize, max - all.Count)}{filter}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", ct);
                all.AddRange(page.Items("items").Select(d => d.DeepClone()));
                cursor = page.S("nextCursor");
            }
            while (cursor is not null && all.Count < max);

            if (context.Out.Json)
            {
                context.Out.Document(new JsonObject { ["items"] = new JsonArray([.. all]) });
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Id", "Event", "Status", "Attempts", "Created", "Last status", "Last error", "Replay of");
            foreach (var d in all)
            {
                CliOutput.Row(table, d.S("id"), d.S("eventType"), d.S("status"), d.I("attempts").ToString(CultureInfo.InvariantCulture), d.When("createdAt"),
                    d.S("lastStatusCode"), d.S("lastError"), d.S("replayOf"));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Replay(CliActions actions)
    {
        var id = IdArgument();
        var delivery = new Option<Guid?>("--delivery") { Description = "Send this delivery's event again (it must be delivered or failed).", HelpName = "DELIVERY" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Send again every event since this instant, e.g. 2026-12-01T08:00:00Z.", HelpName = "INSTANT" };
        var command = new Command("replay", "Send events again: one delivery (--delivery) or everything since an instant (--since).") { id, delivery, since };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(delivery) is null) == (result.GetValue(since) is null))
            {
                result.AddError("Give exactly one of --delivery DELIVERY or --since INSTANT.");
            }
        });
        actions.Set(command, async (context, ct) =>
        {
            var answer = context.Get(delivery) is { } d
                ? (await context.Api.PostAsync($"api/v1/webhook-subscriptions/{context.Get(id)}/deliveries/{d}/replay", null, ct)).Body!
                : (await context.Api.PostAsync($"api/v1/webhook-subscriptions/{context.Get(id)}/replay",
                    new JsonObject { ["since"] = context.Get(since)!.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) }, ct)).Body!;
            if (context.Out.Json)
            {
                context.Out.Document(answer);
                return ExitCodes.Ok;
            }

            context.Out.Line(answer.S("detail") ?? $"Delivery {answer.S("id")} queued ({answer.S("eventType")}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Events(JsonNode? s) => s.Items("eventTypes").Any() ? string.Join(", ", s.Items("eventTypes")) : "all";

    private static string Connections(JsonNode? s) => s.Items("connectionIds").Any() ? string.Join(", ", s.Items("connectionIds")) : "all";
}
