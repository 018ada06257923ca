using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Passerelle.Cli.ApiKeys;
using Passerelle.Cli.Applications;
using Passerelle.Cli.Connections;
using Passerelle.Cli.Jobs;
using Passerelle.Cli.Operations;
using Passerelle.Cli.Webhooks;

namespace Passerelle.Cli;

/// <summary>The <c>passerelle</c> command line: parse, run one command, exit with one of <see cref="ExitCodes"/>.</summary>
public static class CliApp
{
    public const string Epilog = $"""

        Server and API key, first found wins: --server/--api-key, then PASSERELLE_SERVER/PASSERELLE_API_KEY, then the
        profile (--profile NAME, else "default") in ~/.config/passerelle/profiles.json or the file PASSERELLE_PROFILES
        names ({"{"} "default": {"{"} "server": "https://…", "apiKey": "…" {"}"} {"}"}; chmod 600 it), then ./data/demo.json written
        by a running demo. Connections are named by id or display name (any case).

        {ExitCodes.Table}
        Docs: docs/cli.md
        """;

    public static async Task<int> RunAsync(string[] args, CliEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var root = Build(env);
        var parse = root.Parse(args);
        // Help answers even an incomplete command line ("passerelle connections add --help").
        if (parse.Errors.Count > 0 && parse.Action is not EpilogHelpAction)
        {
            foreach (var error in parse.Errors)
            {
                await env.Error.WriteLineAsync(error.Message);
            }

            var command = string.Join(' ', parse.CommandResult.Command is RootCommand ? ["passerelle"] : Path(parse.CommandResult.Command, root));
            await env.Error.WriteLineAsync($"See '{command} --help'.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = env.Out, Error = env.Error, EnableDefaultExceptionHandler = true }, env.Cancellation);
    }

    internal static RootCommand Build(CliEnvironment env)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("passerelle: operate a Passerelle server (connections, jobs, applications, API keys, webhooks) and its installation (doctor, migrate, sandbox).");
        globals.AddTo(root);
        var actions = new CliActions(env, globals);
        root.Subcommands.Add(ConnectionCommands.Build(actions));
        root.Subcommands.Add(JobCommands.Build(actions));
        root.Subcommands.Add(ApplyCommand.Build(actions));
        root.Subcommands.Add(ApplicationCommands.Build(actions));
        root.Subcommands.Add(KeyCommands.Build(actions));
        root.Subcommands.Add(WebhookCommands.Build(actions));
        root.Subcommands.Add(OperationsCommands.Migrate(actions));
        root.Subcommands.Add(OperationsCommands.Doctor(actions));
        root.Subcommands.Add(Sandbox.SandboxCommand.Build(actions));

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new EpilogHelpAction((HelpAction)help.Action!);
        return root;
    }

    private static IEnumerable<string> Path(Command command, RootCommand root)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c && c != root; symbol = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return names.Prepend("passerelle");
    }

    /// <summary>The usual help, then, on the root command's, how the server and key are found and the exit codes.</summary>
    private sealed class EpilogHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var exit = inner.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(Epilog);
            }

            return exit;
        }
    }
}

/// <summary>Gives commands their action: a <see cref="CliContext"/>, and one place where problems become stderr lines and an exit code.</summary>
internal sealed class CliActions(CliEnvironment env, GlobalOptions globals)
{
    public const string DebugVariable = "PASSERELLE_DEBUG";

    public CliEnvironment Env => env;

    public void Set(Command command, Func<CliContext, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, env.Cancellation);
            await using var context = new CliContext(env, globals, parse);
            try
            {
                return await action(context, linked.Token);
            }
            catch (CliException e)
            {
                await env.Error.WriteLineAsync($"Error: {e.Message}");
                foreach (var line in e.Details)
                {
                    await env.Error.WriteLineAsync($"  {line}");
                }

                if (e.Remedy is not null)
                {
                    await env.Error.WriteLineAsync($"Fix: {e.Remedy}");
                }

                return e.ExitCode;
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                await env.Error.WriteLineAsync("Interrupted.");
                return 130;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug, here or in what a local command runs: one line, the stack only when asked for.
                await env.Error.WriteLineAsync($"Error: {e.GetType().Name}: {e.Message}");
                await env.Error.WriteLineAsync(string.IsNullOrEmpty(env.GetVariable(DebugVariable))
                    ? $"This is unexpected: set {DebugVariable}=1 for the details, and report it."
                    : e.ToString());
                return ExitCodes.Failed;
            }
        });
}
