using System.CommandLine;

namespace Passerelle.Cli.Connections;

/// <summary>
/// A Client Secret comes from stdin or a file, never from an argument: arguments stay in shell history and are
/// visible to every user of the machine in the process list.
/// </summary>
internal sealed class SecretInput
{
    private const string Refusal = "The Client Secret is never taken as an argument (it would stay in shell history and the process list).";
    private const string How = "Pipe it in with --client-secret-stdin (e.g. `pass show sr/maison-azur | passerelle … --client-secret-stdin`) or give --client-secret-file PATH.";

    public Option<bool> Stdin { get; } = new("--client-secret-stdin") { Description = "Read the Client Secret from stdin (its first line)." };

    public Option<FileInfo?> File { get; } = new("--client-secret-file") { Description = "Read the Client Secret from this file (its first line); keep it chmod 600.", HelpName = "PATH" };

    /// <summary>Exists only to refuse it with a sentence rather than "unrecognized option".</summary>
    public Option<string?> Argument { get; } = new("--client-secret", "--secret") { Hidden = true, Description = "Refused: use --client-secret-stdin or --client-secret-file." };

    public void AddTo(Command command)
    {
        command.Options.Add(Stdin);
        command.Options.Add(File);
        command.Options.Add(Argument);
    }

    public string Read(CliContext context)
    {
        if (context.Parse.GetResult(Argument) is not null)
        {
            throw new CliException(ExitCodes.Usage, Refusal, How);
        }

        var stdin = context.Get(Stdin);
        var file = context.Get(File);
        if (stdin == (file is not null))
        {
            throw new CliException(ExitCodes.Usage, stdin ? "Give the Client Secret one way: --client-secret-stdin or --client-secret-file, not both." : "The Client Secret is required. " + Refusal, How);
        }

        string? text;
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"There is no file {file.FullName} to read the Client Secret from.");
            }

            text = System.IO.File.ReadLines(file.FullName).FirstOrDefault();
        }
        else
        {
            text = context.Env.In.ReadLine();
        }

        return string.IsNullOrWhiteSpace(text)
            ? throw new CliException(ExitCodes.Usage, file is null ? "Nothing came on stdin: the Client Secret is required." : $"{file.FullName} is empty: the Client Secret is required.", How)
            : text.Trim();
    }
}
