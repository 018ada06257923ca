using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Passerelle.Cli.Api;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Output;

namespace Passerelle.Cli.Applications;

/// <summary><c>passerelle applications …</c>: follow, retry, settle and erase applications.</summary>
internal static class ApplicationCommands
{
    /// <summary>States an application leaves only through a person (retry, mark delivered) or never.</summary>
    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal) { "Delivered", "Failed", "NeedsReview" };

    public static Command Build(CliActions actions)
    {
        var applications = new Command("applications", "Applications: list, show, retry, mark delivered, erase (GDPR), watch live.");
        applications.Subcommands.Add(List(actions));
        applications.Subcommands.Add(Show(actions));
        applications.Subcommands.Add(Retry(actions));
        applications.Subcommands.Add(MarkDelivered(actions));
        applications.Subcommands.Add(Erase(actions));
        applications.Subcommands.Add(Watch(actions));
        return applications;
    }

    private static Argument<Guid> IdArgument() => new("id") { Description = "The application's id (as 'apply' printed it)." };

    private static Command List(CliActions actions)
    {
        var connection = ConnectionCommands.ConnectionArgument();
        var state = new Option<string?>("--state")
        {
            Description = "Only these states, comma-separated: Queued, Retrying, Creating, CandidateCreated, ResumeAttached, Delivered, NeedsReview, Failed.",
            HelpName = "A,B",
        };
        var job = new Option<string?>("--job") { Description = "Only applications to this SmartRecruiters job id.", HelpName = "JOB" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (pages are followed). Default 50.", DefaultValueFactory = _ => 50, HelpName = "N" };
        var command = new Command("list", "List a connection's applications, newest first.") { connection, state, job, limit };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var filters = (context.Get(state) is { Length: > 0 } s ? "&state=" + Uri.EscapeDataString(s) : "")
                          + (context.Get(job) is { Length: > 0 } j ? "&jobId=" + Uri.EscapeDataString(j) : "");
            var all = await ListAsync(context.Api, id, filters, Math.Max(1, context.Get(limit)), context.Env.PageSize, ct);
            if (context.Out.Json)
            {
                context.Out.Document(new JsonObject { ["items"] = new JsonArray([.. all]) });
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Id", "Job", "State", "Accepted", "Attempts", "SR candidate", "Last error");
            foreach (var a in all)
            {
                CliOutput.Row(table, a.S("id"), a.S("jobId"), a.S("state"), a.When("acceptedAt"), a.I("attempts").ToString(CultureInfo.InvariantCulture),
                    a.S("srCandidateId"), a["lastError"].S("code"));
            }

            context.Out.Write(table);
            context.Out.Line($"{all.Count} application(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<List<JsonNode>> ListAsync(ApiClient api, Guid connection, string filters, int limit, int pageSize, CancellationToken cancellationToken)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var size = Math.Min(pageSize, limit - all.Count);
            var page = await api.GetAsync($"api/v1/connections/{connection}/applications?limit={size}{filters}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", cancellationToken);
            all.AddRange(page.Items("items").Select(a => a.DeepClone()));
            cursor = page.S("nextCursor");
        }
        while (cursor is not null && all.Count < limit);

        return all;
    }

    private static Command Show(CliActions actions)
    {
        var id = IdArgument();
        var command = new Command("show", "Show one application: state, SR candidate id, every step, the last error and its remedy.") { id };
        actions.Set(command, async (context, ct) =>
        {
            var application = await context.Api.GetAsync($"api/v1/applications/{context.Get(id)}", ct);
            if (context.Out.Json)
            {
                context.Out.Document(application);
                return ExitCodes.Ok;
            }

            Print(context.Out, application);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Retry(CliActions actions)
    {
        var id = IdArgument();
        var confirm = new Option<bool>("--confirm-may-duplicate")
        {
            Description = "Required for a NeedsReview application: it may already be in SmartRecruiters, and a retry may create it twice.",
        };
        var command = new Command("retry", "Send a Failed or NeedsReview application again.") { id, confirm };
        actions.Set(command, async (context, ct) =>
        {
            var body = new JsonObject { ["confirmMayDuplicate"] = context.Get(confirm) };
            return Answer(context, (await context.Api.PostAsync($"api/v1/applications/{context.Get(id)}/retry", body, ct)).Body!, "queued again");
        });
        return command;
    }

    private static Command MarkDelivered(CliActions actions)
    {
        var id = IdArgument();
        var candidate = new Option<string>("--candidate-id") { Description = "The candidate's id in SmartRecruiters (the UUID in their profile's address).", Required = true, HelpName = "ID" };
        var command = new Command("mark-delivered", "Record that a NeedsReview applicant is in SmartRecruiters after all.") { id, candidate };
        actions.Set(command, async (context, ct) =>
        {
            var body = new JsonObject { ["srCandidateId"] = context.Get(candidate) };
            return Answer(context, (await context.Api.PostAsync($"api/v1/applications/{context.Get(id)}/mark-delivered", body, ct)).Body!, "marked delivered");
        });
        return command;
    }

    private static Command Erase(CliActions actions)
    {
        var id = IdArgument();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var command = new Command("erase", "Erase the applicant's personal data and files (GDPR); an anonymous delivery record stays.") { id, yes };
        actions.Set(command, async (context, ct) =>
        {
            context.Confirm(context.Get(yes), $"Erase application {context.Get(id)}'s applicant and files? This cannot be undone.");
            return Answer(context, (await context.Api.DeleteAsync($"api/v1/applications/{context.Get(id)}", ct)).Body!, "erased");
        });
        return command;
    }

    private static Command Watch(CliActions actions)
    {
        var target = new Argument<string>("target") { Description = "An application id (until it is Delivered, Failed or NeedsReview), or a connection's id or name (until Ctrl+C)." };
        var command = new Command("watch", "Print state changes live: of one application until it settles (exit 1 unless Delivered), or of a connection's applications until Ctrl+C.") { target };
        actions.Set(command, async (context, ct) =>
        {
            var text = context.Get(target)!;
            JsonNode? application = null;
            if (Guid.TryParse(text, out var guid))
            {
                try
                {
                    application = await context.Api.GetAsync($"api/v1/applications/{guid}", ct);
                }
                catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
                {
                    // Not an application: a connection id, then.
                }
            }

            if (application is not null)
            {
                return await WatchOneAsync(context, guid, application, ct);
            }

            try
            {
                return await WatchConnectionAsync(context, await ConnectionResolver.IdAsync(context.Api, text, ct), ct);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.NotFound && Guid.TryParse(text, out _))
            {
                throw new CliException(ExitCodes.NotFound, $"No application and no connection has the id {text} (or this API key may not see it).");
            }
        });
        return command;
    }

    private static async Task<int> WatchOneAsync(CliContext context, Guid id, JsonNode application, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            var state = application.S("state")!;
            if (state != last)
            {
                Change(context, application, last);
                last = state;
            }

            if (Terminal.Contains(state))
            {
                if (!context.Out.Json)
                {
                    if (application["lastError"] is JsonObject error)
                    {
                        context.Out.Line($"  {error.S("message")}");
                        context.Out.Line($"  Fix: {error.S("remedy")}");
                    }
                }

                return state == "Delivered" ? ExitCodes.Ok : ExitCodes.Failed;
            }

            await Task.Delay(context.Env.PollInterval, context.Env.Time, cancellationToken);
            application = await context.Api.GetAsync($"api/v1/applications/{id}", cancellationToken);
        }
    }

    private static async Task<int> WatchConnectionAsync(CliContext context, Guid connection, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = true;
        try
        {
            while (true)
            {
                foreach (var application in (await ListAsync(context.Api, connection, "", 200, context.Env.PageSize, cancellationToken)).AsEnumerable().Reverse())
                {
                    var id = application.S("id")!;
                    var state = application.S("state")!;
                    seen.TryGetValue(id, out var before);
                    if (before != state)
                    {
                        // The first round shows only what is still moving; later rounds show every change.
                        if (!first || !Terminal.Contains(state))
                        {
                            Change(context, application, before);
                        }

                        seen[id] = state;
                    }
                }

                if (first && !context.Out.Json)
                {
                    context.Out.Hint($"Watching {seen.Count} application(s); Ctrl+C to stop.");
                }

                first = false;
                await Task.Delay(context.Env.PollInterval, context.Env.Time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
    }

    private static void Change(CliContext context, JsonNode application, string? before)
    {
        if (context.Out.Json)
        {
            context.Out.DocumentLine(application);
            return;
        }

        var at = context.Env.Time.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var candidate = application.S("srCandidateId") is { } c ? $" (SR candidate {c})" : "";
        context.Out.Line($"{at}  {application.S("id")}  {(before is null ? "" : before + " -> ")}{application.S("state")}{candidate}");
    }

    private static int Answer(CliContext context, JsonNode application, string what)
    {
        if (context.Out.Json)
        {
            context.Out.Document(application);
            return ExitCodes.Ok;
        }

        context.Out.Line($"Application {application.S("id")} {what}: {application.S("state")}.");
        return ExitCodes.Ok;
    }

    private static void Print(CliOutput output, JsonNode a)
    {
        output.Fields(("Application", a.S("id")), ("Connection", a.S("connectionId")), ("Job", a.S("jobId")), ("State", a.S("state")),
            ("Channel", a.S("channel")), ("External id", a.S("externalId")), ("Accepted", a.When("acceptedAt")), ("Updated", a.When("updatedAt")),
            ("Delivered", a.When("deliveredAt")), ("Erased", a.When("erasedAt")), ("SR candidate", a.S("srCandidateId")),
            ("Attempts", a.I("attempts").ToString(CultureInfo.InvariantCulture)), ("Next attempt", a.When("nextAttemptAt")),
            ("Last error", a["lastError"] is JsonObject e ? $"{e.S("code")}: {e.S("message")}" : null), ("Fix", a["lastError"].S("remedy")));
        var files = CliOutput.Table("File", "Type", "Bytes", "SHA-256", "Deleted");
        foreach (var f in a.Items("files"))
        {
            CliOutput.Row(files, f.S("kind"), f.S("contentType"), f.S("length"), f.S("sha256")?[..12], f.When("deletedAt"));
        }

        output.Write(files);
        var steps = CliOutput.Table("At", "Step", "Outcome", "HTTP", "Detail", "By");
        foreach (var s in a.Items("steps"))
        {
            CliOutput.Row(steps, s.When("at"), s.S("step"), s.S("outcome"), s.S("statusCode"), s.S("detail"), s.S("actor"));
        }

        output.Write(steps);
    }
}
