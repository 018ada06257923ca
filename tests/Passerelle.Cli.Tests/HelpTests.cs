using System.CommandLine;

namespace Passerelle.Cli.Tests;

public sealed class HelpTests
{
    private static IEnumerable<Command> All(Command command) => command.Subcommands.SelectMany(All).Prepend(command);

    private static CliEnvironment Env() => new(TextWriter.Null, TextWriter.Null, TextReader.Null, _ => null, Directory.GetCurrentDirectory(), TimeProvider.System);

    [Fact]
    public async Task Root_help_lists_every_command_the_exit_codes_and_where_the_server_comes_from()
    {
        var help = (await new CliRunner(null).RunAsync(["--help"])).ShouldSucceed();

        foreach (var command in CliApp.Build(Env()).Subcommands)
        {
            help.Out.ShouldContain(command.Name);
        }

        help.Out.ShouldContain("connections");
        help.Out.ShouldContain("sandbox");
        help.Out.ShouldContain("PASSERELLE_SERVER");
        help.Out.ShouldContain("demo.json");
        help.Out.ShouldContain("chmod 600");
        for (var code = 0; code <= 6; code++)
        {
            help.Out.ShouldContain($"  {code}  ");
        }
    }

    [Fact]
    public void Every_command_option_and_argument_has_a_description()
    {
        var missing = new List<string>();
        foreach (var command in All(CliApp.Build(Env())))
        {
            if (string.IsNullOrWhiteSpace(command.Description))
            {
                missing.Add($"command {command.Name}");
            }

            missing.AddRange(command.Options.Where(o => string.IsNullOrWhiteSpace(o.Description)).Select(o => $"{command.Name} {o.Name}"));
            missing.AddRange(command.Arguments.Where(a => string.IsNullOrWhiteSpace(a.Description)).Select(a => $"{command.Name} <{a.Name}>"));
        }

        missing.ShouldBeEmpty();
    }

    [Fact]
    public async Task Every_command_answers_help_even_when_its_required_options_are_missing()
    {
        foreach (var command in All(CliApp.Build(Env())).Where(c => c is not RootCommand))
        {
            var path = new List<string>();
            for (Symbol? s = command; s is Command c && c is not RootCommand; s = c.Parents.FirstOrDefault())
            {
                path.Insert(0, c.Name);
            }

            var run = await new CliRunner(null).RunAsync([.. path, "--help"]);
            run.ExitCode.ShouldBe(0, string.Join(' ', path));
            run.Out.ShouldContain(command.Description!);
        }
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_exit_2()
    {
        var run = await new CliRunner(null).RunAsync(["connections", "list", "--colour"]);

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("--colour");
        run.Error.ShouldContain("passerelle connections list --help");
    }
}
