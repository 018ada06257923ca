namespace Passerelle.Server.Demo;

/// <summary>
/// Section <c>Demo</c>: the README's first command. An embedded SmartRecruiters sandbox, seeded demo connections, a
/// first sync and the career pages, all on this machine. Never in Production: the sandbox is a fake SmartRecruiters
/// and the demo prints its admin password.
/// </summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Run the demo. Default false; on in the <c>Demo</c> environment (<c>appsettings.Demo.json</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Submit a few applications a minute, some with injected faults (<c>--demo-traffic</c>). Default false.</summary>
    public bool Traffic { get; set; }

    /// <summary>Applications submitted per minute with <see cref="Traffic"/>. Default 4.</summary>
    public int TrafficPerMinute { get; set; } = 4;

    /// <summary>Where the embedded sandbox listens. Default <c>http://127.0.0.1:5081</c>; port 0 picks a free one.</summary>
    public string SandboxUrl { get; set; } = "http://127.0.0.1:5081";

    /// <summary>Why these settings cannot run in this environment, or null.</summary>
    public static string? RefusalFor(DemoOptions options, string environmentName) =>
        options.Enabled && string.Equals(environmentName, "Production", StringComparison.OrdinalIgnoreCase)
            ? "Demo:Enabled is true in the Production environment. The demo embeds a fake SmartRecruiters, seeds known credentials and prints an admin password: remove the Demo section (or set Demo:Enabled=false) for production, or run the demo with ASPNETCORE_ENVIRONMENT=Demo."
            : null;
}
