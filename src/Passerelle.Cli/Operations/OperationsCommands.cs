using System.CommandLine;
using System.Text.Json.Nodes;
using Passerelle.Cli.Output;
using Passerelle.Server.Operations;

namespace Passerelle.Cli.Operations;

/// <summary><c>passerelle migrate</c> and <c>passerelle doctor</c>: on an installation's files, without the server running.</summary>
internal static class OperationsCommands
{
    public static Command Migrate(CliActions actions)
    {
        var options = new TargetOptions();
        var command = new Command("migrate", "Bring the database to this version's schema, configured exactly as the server would be; prints the migrations applied.");
        options.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            MigrationReport report;
            try
            {
                report = await context.Env.Migrate(options.Target(context), ct);
            }
            catch (OperationsException e)
            {
                throw new CliException(ExitCodes.Failed, e.Message, null, e.Problems);
            }

            if (context.Out.Json)
            {
                context.Out.Document(new JsonObject
                {
                    ["provider"] = report.Provider, ["database"] = report.Database, ["applied"] = new JsonArray([.. report.Applied.Select(a => (JsonNode)a)]),
                    ["alreadyApplied"] = report.AlreadyApplied,
                });
                return ExitCodes.Ok;
            }

            // Database reads "the SQLite database /srv/…/passerelle.db": a sentence's start once capitalised.
            context.Out.Line($"{char.ToUpperInvariant(report.Database[0])}{report.Database[1..]}: {report.AlreadyApplied} migration(s) already applied.");
            context.Out.Line(report.Applied.Count == 0 ? "Nothing to apply: the schema is current." : $"Applied {report.Applied.Count}:");
            foreach (var migration in report.Applied)
            {
                context.Out.Line($"  {migration}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Doctor(CliActions actions)
    {
        var options = new TargetOptions();
        var command = new Command("doctor", "Check an installation without starting it: configuration, database, key ring, cluster, each connection's SR address (exit 1 if any check failed).");
        options.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            IReadOnlyList<DoctorCheck> checks;
            try
            {
                checks = await context.Env.Doctor(options.Target(context), ct);
            }
            catch (OperationsException e)
            {
                throw new CliException(ExitCodes.Failed, e.Message, null, e.Problems);
            }

            var failed = checks.Any(c => c.Status == CheckStatus.Failed);
            if (context.Out.Json)
            {
                context.Out.Document(new JsonArray([.. checks.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name, ["status"] = c.Status.ToString(), ["detail"] = c.Detail, ["fix"] = c.Fix,
                })]));
                return failed ? ExitCodes.Failed : ExitCodes.Ok;
            }

            var table = CliOutput.Table("Check", "Status", "Detail", "Fix");
            foreach (var check in checks)
            {
                CliOutput.Row(table, check.Name, check.Status.ToString(), check.Detail, check.Fix);
            }

            context.Out.Write(table);
            var warnings = checks.Count(c => c.Status == CheckStatus.Warning);
            context.Out.Line($"{checks.Count} check(s): {checks.Count(c => c.Status == CheckStatus.Failed)} failed, {warnings} warning(s).");
            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The options that say which installation: <see cref="OperationsTarget"/>'s three parts.</summary>
    internal sealed class TargetOptions
    {
        public Option<DirectoryInfo?> ContentRoot { get; } = new("--content-root")
        {
            Description = "The directory the server runs in (its appsettings.json; relative paths start there). Default: the current directory.",
            HelpName = "DIR",
        };

        public Option<string?> Environment { get; } = new("--environment")
        {
            Description = "The server's environment (appsettings.{Environment}.json). Default: ASPNETCORE_ENVIRONMENT, else DOTNET_ENVIRONMENT, else Production.",
            HelpName = "NAME",
        };

        public Option<string[]> Set { get; } = new("--set")
        {
            Description = "A setting on top of the files and environment, e.g. --set ConnectionStrings:Passerelle=… (repeatable).",
            HelpName = "KEY=VALUE",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(ContentRoot);
            command.Options.Add(Environment);
            command.Options.Add(Set);
            command.Validators.Add(result =>
            {
                foreach (var pair in result.GetValue(Set) ?? [])
                {
                    if (pair.IndexOf('=', StringComparison.Ordinal) <= 0)
                    {
                        result.AddError($"--set takes Key=Value (e.g. Database:Provider=Postgres), not '{pair}'.");
                    }
                }
            });
        }

        public OperationsTarget Target(CliContext context)
        {
            var root = context.Get(ContentRoot)?.FullName ?? context.Env.CurrentDirectory;
            if (!Directory.Exists(root))
            {
                throw new CliException(ExitCodes.Usage, $"There is no directory {root} (--content-root).");
            }

            var environment = context.Get(Environment) is { Length: > 0 } named ? named
                : context.Env.GetVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } aspnet ? aspnet
                : context.Env.GetVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } dotnet ? dotnet
                : "Production";
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in context.Get(Set) ?? [])
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                overrides[pair[..at].Trim()] = pair[(at + 1)..];
            }

            return new OperationsTarget(root, environment, overrides);
        }
    }
}
