using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Output;
using Spectre.Console;

namespace Passerelle.Cli.Jobs;

/// <summary><c>passerelle jobs …</c>: a connection's synced job offers, and "sync now".</summary>
internal static class JobCommands
{
    public static Command Build(CliActions actions)
    {
        var jobs = new Command("jobs", "A connection's synced job offers: list, show, sync now.");
        jobs.Subcommands.Add(List(actions));
        jobs.Subcommands.Add(Show(actions));
        jobs.Subcommands.Add(Sync(actions));
        return jobs;
    }

    public static Argument<string> JobArgument() => new("job") { Description = "The SmartRecruiters job id, its reference number, or its exact title (any case)." };

    private static Command List(CliActions actions)
    {
        var connection = ConnectionCommands.ConnectionArgument();
        var open = new Option<bool>("--open") { Description = "Only jobs that accept applicants." };
        var text = new Option<string?>("--q") { Description = "Only jobs whose title contains this text.", HelpName = "TEXT" };
        var status = new Option<string?>("--status") { Description = "Only jobs in this SmartRecruiters status, e.g. SOURCING.", HelpName = "STATUS" };
        var limit = new Option<int>("--limit") { Description = "At most this many jobs (pages are followed). Default 50.", DefaultValueFactory = _ => 50, HelpName = "N" };
        var command = new Command("list", "List a connection's synced jobs, oldest first.") { connection, open, text, status, limit };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var filters = (context.Get(open) ? "&open=true" : "")
                          + (context.Get(text) is { Length: > 0 } q ? "&q=" + Uri.EscapeDataString(q) : "")
                          + (context.Get(status) is { Length: > 0 } s ? "&status=" + Uri.EscapeDataString(s) : "");
            var jobs = await JobResolver.ListAsync(context.Api, id, filters, Math.Max(1, context.Get(limit)), context.Env.PageSize, ct);
            if (context.Out.Json)
            {
                context.Out.Document(new JsonObject { ["items"] = new JsonArray([.. jobs]) });
                return ExitCodes.Ok;
            }

            var table = CliOutput.Table("Id", "Title", "Status", "Posting", "City", "Updated in SR", "Closed");
            foreach (var job in jobs)
            {
                CliOutput.Row(table, job.S("id"), job.S("title"), job.S("status"), job.S("postingStatus"), job.S("city"), job.When("srUpdatedOn"), job.B("closed") ? "yes" : "");
            }

            context.Out.Write(table);
            context.Out.Line($"{jobs.Count} job(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliActions actions)
    {
        var connection = ConnectionCommands.ConnectionArgument();
        var job = JobArgument();
        var command = new Command("show", "Show one job: its fields, postings and ad sections.") { connection, job };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var detail = await JobResolver.GetAsync(context.Api, id, context.Get(job)!, context.Env.PageSize, ct);
            if (context.Out.Json)
            {
                context.Out.Document(detail);
                return ExitCodes.Ok;
            }

            var j = detail["job"];
            context.Out.Fields(("Title", j.S("title")), ("Id", j.S("id")), ("Reference", j.S("refNumber")), ("Status", j.S("status")),
                ("Posting", j.S("postingStatus")), ("Department", j.S("department")), ("Place", string.Join(", ", new[] { j.S("city"), j.S("countryCode") }.Where(p => p is not null))),
                ("Employment", j.S("employmentType")), ("Language", j.S("language")), ("Apply URL", j.S("applyUrl")),
                ("Updated in SR", j.When("srUpdatedOn")), ("Last synced", j.When("lastSyncedAt")), ("Closed", j.B("closed") ? j.When("closedAt") ?? "yes" : null));
            foreach (var posting in j.Items("postings"))
            {
                context.Out.Line($"Posting {posting.S("postingId")} ({posting.S("language")}): {posting.S("url")}");
            }

            if (detail["ad"] is JsonObject ad)
            {
                var sections = ad.Where(s => s.Value is JsonObject).Select(s => s.Value!.S("title") ?? s.Key);
                context.Out.Line($"Ad sections: {string.Join(", ", sections)} (HTML: --json).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Sync(CliActions actions)
    {
        var connection = ConnectionCommands.ConnectionArgument();
        var full = new Option<bool>("--full") { Description = "A full reconcile (every job listed; missing ones closed) instead of an incremental sync." };
        var wait = new Option<bool>("--wait") { Description = "Follow the run until it finishes, then show its counts; exit 1 if it failed." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "With --wait: give up after this long (exit 1), e.g. 00:10:00. Default 15 minutes.",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(15),
            HelpName = "HH:MM:SS",
        };
        var command = new Command("sync", "Sync a connection's jobs now; asking again while a run waits returns the same run.") { connection, full, wait, timeout };
        actions.Set(command, async (context, ct) =>
        {
            var id = await ConnectionResolver.IdAsync(context.Api, context.Get(connection)!, ct);
            var queued = (await context.Api.PostAsync($"api/v1/connections/{id}/sync", new JsonObject { ["kind"] = context.Get(full) ? "full" : "incremental" }, ct)).Body!;
            var runPath = $"api/v1/connections/{id}/sync-runs/{queued.S("id")}";
            if (!context.Get(wait))
            {
                if (context.Out.Json)
                {
                    context.Out.Document(queued);
                }
                else
                {
                    context.Out.Line($"{queued.S("kind")} sync {queued.S("id")} is {queued.S("state")}.");
                    context.Out.Line($"Follow it: {context.Api.Absolute(runPath)} (or add --wait).");
                }

                return ExitCodes.Ok;
            }

            var run = await WaitAsync(context, runPath, queued, context.Get(timeout), ct);
            var failed = run.S("state") != "Finished" || run.S("error") is not null;
            if (context.Out.Json)
            {
                context.Out.Document(run);
                return failed ? ExitCodes.Failed : ExitCodes.Ok;
            }

            context.Out.Fields(("Sync", $"{run.S("kind")} {run.S("id")}"), ("State", run.S("state")), ("Complete", run.B("complete") ? "yes" : "no"),
                ("Created", run.I("created").ToString(CultureInfo.InvariantCulture)), ("Updated", run.I("updated").ToString(CultureInfo.InvariantCulture)),
                ("Closed", run.I("closed").ToString(CultureInfo.InvariantCulture)), ("Pages", run.I("pages").ToString(CultureInfo.InvariantCulture)),
                ("SR calls", run.I("srCalls").ToString(CultureInfo.InvariantCulture)), ("Took", Took(run)), ("Node", run.S("node")), ("Error", run.S("error")));
            context.Out.Line(failed ? "The sync failed." : "The sync finished.");
            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Polls the run until it is finished, with a live status line on a terminal.</summary>
    private static async Task<JsonNode> WaitAsync(CliContext context, string runPath, JsonNode queued, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = context.Env.Time.GetTimestamp();
        async Task<JsonNode> PollAsync(Action<JsonNode> report)
        {
            var run = queued;
            while (run.S("state") != "Finished")
            {
                if (context.Env.Time.GetElapsedTime(started) > timeout)
                {
                    throw new CliException(ExitCodes.Failed, $"The sync was still {run.S("state")} after {timeout:c}; it goes on in the server.",
                        $"Follow it with: passerelle jobs sync … or GET {context.Api.Absolute(runPath)}");
                }

                await Task.Delay(context.Env.PollInterval, context.Env.Time, cancellationToken);
                run = await context.Api.GetAsync(runPath, cancellationToken);
                report(run);
            }

            return run;
        }

        if (!context.Out.Live)
        {
            return await PollAsync(_ => { });
        }

        return await context.Out.Console.Progress().AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(Describe(queued)), maxValue: 1);
                task.IsIndeterminate = true;
                var run = await PollAsync(r => task.Description = Markup.Escape(Describe(r)));
                task.Value = 1;
                task.StopTask();
                return run;
            });
    }

    private static string Describe(JsonNode run) =>
        $"{run.S("kind")} sync {run.S("state")}: {run.I("pages")} page(s), {run.I("srCalls")} SR call(s), {run.I("created")} created, {run.I("updated")} updated, {run.I("closed")} closed";

    private static string? Took(JsonNode run) =>
        DateTimeOffset.TryParse(run.S("startedAt"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
        && DateTimeOffset.TryParse(run.S("finishedAt"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            ? $"{(end - start).TotalSeconds:0.0} s"
            : null;
}
