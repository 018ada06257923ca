namespace Passerelle.Cli;

/// <summary>
/// Ends the command with <see cref="ExitCode"/>, the message on stderr and, when known, what to do. A command is a
/// straight line of API calls; unwinding to one place that prints and exits keeps each of them readable.
/// </summary>
internal sealed class CliException(int exitCode, string message, string? remedy = null, IReadOnlyList<string>? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Remedy { get; } = remedy;

    /// <summary>The HTTP status of the API's refusal, when it was one.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Further lines, e.g. the fields a validation problem lists.</summary>
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
