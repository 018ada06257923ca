namespace Passerelle.Server.Operations;

/// <summary>
/// The installation <c>passerelle doctor</c> and <c>passerelle migrate</c> work on, configured exactly as the server
/// would be: <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c> from <see cref="ContentRoot"/>, then
/// the environment variables, then <see cref="Overrides"/> (<c>--set Key=Value</c>).
/// </summary>
/// <param name="ContentRoot">The directory the server runs in (its <c>appsettings.json</c>; relative paths start here).</param>
/// <param name="Environment">The server's environment, e.g. <c>Production</c>.</param>
/// <param name="Overrides">Settings on top of the rest, e.g. <c>ConnectionStrings:Passerelle</c>.</param>
public sealed record OperationsTarget(string ContentRoot, string Environment, IReadOnlyDictionary<string, string?> Overrides)
{
    /// <summary>The current directory, <c>ASPNETCORE_ENVIRONMENT</c> (or Production), no overrides.</summary>
    public static OperationsTarget Default() => new(Directory.GetCurrentDirectory(),
        System.Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production",
        new Dictionary<string, string?>());
}

/// <summary>How a check went: <see cref="Warning"/> works but deserves a look; <see cref="Failed"/> stops the server or loses work.</summary>
public enum CheckStatus
{
    Ok,
    Warning,
    Failed,
}

/// <summary>One finding of <c>passerelle doctor</c>: what was checked, what was found, and what to do about it.</summary>
/// <param name="Name">The area, e.g. <c>configuration</c>, <c>database</c>, <c>key ring</c>, <c>cluster</c>, <c>connection Maison Azur</c>.</param>
/// <param name="Status">Ok, warning or failed.</param>
/// <param name="Detail">What was found (ids and settings only, never a secret).</param>
/// <param name="Fix">What to do, when something is to be done.</param>
public sealed record DoctorCheck(string Name, CheckStatus Status, string Detail, string? Fix = null);

/// <summary>What <c>passerelle migrate</c> did.</summary>
/// <param name="Provider">Sqlite or Postgres.</param>
/// <param name="Database">Where (the SQLite file, or PostgreSQL's host and database; never a password).</param>
/// <param name="Applied">The migrations this run applied, oldest first.</param>
/// <param name="AlreadyApplied">How many were there before.</param>
public sealed record MigrationReport(string Provider, string Database, IReadOnlyList<string> Applied, int AlreadyApplied);

/// <summary>The operation cannot run; <see cref="Problems"/> says why, each with what to change.</summary>
public sealed class OperationsException(string message, IReadOnlyList<string> problems) : Exception(message)
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
