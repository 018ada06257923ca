using System.Globalization;

namespace Passerelle.Chaos;

/// <summary>
/// The harness's sizes: reduced under <c>./test.sh</c> (CI), the issue's full sizes with
/// <c>PASSERELLE_CHAOS_SIZE=full</c> (docs/reliability.md has the command).
/// </summary>
internal static class ChaosSize
{
    public static bool Full { get; } = string.Equals(Environment.GetEnvironmentVariable("PASSERELLE_CHAOS_SIZE"), "full", StringComparison.OrdinalIgnoreCase);

    public static string Name => Full ? "full" : "reduced";
}

/// <summary>
/// Each scenario's one-line verdict and figures, shown in the test output and appended to the file named by
/// <c>PASSERELLE_CHAOS_VERDICTS</c> (test.sh prints it as a table at the end).
/// </summary>
internal static class Verdicts
{
    private static readonly Lock Gate = new();

    public static void Write(Xunit.Abstractions.ITestOutputHelper output, string scenario, bool passed, string figures)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{scenario}|{(passed ? "PASS" : "FAIL")}|{ChaosSize.Name}|{figures}");
        output.WriteLine($"VERDICT {line}");
        if (Environment.GetEnvironmentVariable("PASSERELLE_CHAOS_VERDICTS") is { Length: > 0 } path)
        {
            lock (Gate)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }
}
