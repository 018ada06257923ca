namespace Passerelle.Cli;

/// <summary>
/// Everything the CLI touches outside itself, so that tests run it in process: its streams, its environment
/// variables and directory, the clock, and the HTTP handler that reaches the server.
/// </summary>
/// <param name="Out">Standard output: results (tables, or the API's JSON with <c>--json</c>).</param>
/// <param name="Error">Standard error: problems, hints, progress that is not the result.</param>
/// <param name="In">Standard input: secrets with <c>--client-secret-stdin</c>, confirmations.</param>
/// <param name="GetVariable">Environment variable lookup.</param>
/// <param name="CurrentDirectory">Where <c>./data/demo.json</c> and relative paths are looked up.</param>
/// <param name="Time">The clock for polling.</param>
public sealed record CliEnvironment(
    TextWriter Out, TextWriter Error, TextReader In, Func<string, string?> GetVariable, string CurrentDirectory, TimeProvider Time)
{
    /// <summary>The primary handler of the HTTP client; a <see cref="SocketsHttpHandler"/> when null.</summary>
    public Func<HttpMessageHandler>? HttpHandler { get; init; }

    /// <summary>True when stdout is a file or a pipe: no colours, no live rendering.</summary>
    public bool OutputRedirected { get; init; } = true;

    /// <summary>True when stdin is a terminal a person can answer a confirmation on.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>How often <c>--wait</c> and <c>watch</c> ask the server again. Default 1 second.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest page asked of the API when a list follows its cursor. Default 200 (the API's maximum).</summary>
    public int PageSize { get; init; } = 200;

    /// <summary>Stops long-running commands (<c>watch</c>, <c>sync --wait</c>, <c>sandbox</c>) besides Ctrl+C.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Runs <c>passerelle doctor</c>'s checks; the server's <see cref="Server.Operations.Doctor"/> unless a test replaces it.</summary>
    public Func<Server.Operations.OperationsTarget, CancellationToken, Task<IReadOnlyList<Server.Operations.DoctorCheck>>> Doctor { get; init; } = Server.Operations.Doctor.RunAsync;

    /// <summary>Runs <c>passerelle migrate</c>; the server's <see cref="Server.Operations.Migrator"/> unless a test replaces it.</summary>
    public Func<Server.Operations.OperationsTarget, CancellationToken, Task<Server.Operations.MigrationReport>> Migrate { get; init; } = Server.Operations.Migrator.RunAsync;

    /// <summary>Runs the sandbox; <see cref="Passerelle.Sandbox.SandboxHost.RunAsync"/> unless a test replaces it.</summary>
    public Func<string[], CancellationToken, Task<int>> Sandbox { get; init; } = Passerelle.Sandbox.SandboxHost.RunAsync;

    /// <summary>The real process: console streams, environment, current directory, system clock.</summary>
    public static CliEnvironment FromProcess() => new(Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory(), TimeProvider.System)
    {
        OutputRedirected = Console.IsOutputRedirected,
        InputIsTerminal = !Console.IsInputRedirected,
    };
}
