namespace Passerelle.Sandbox;

/// <summary>
/// Runs the sandbox alone, as <c>dotnet run --project src/Passerelle.Sandbox</c> and <c>passerelle sandbox</c> do:
/// the short switches of <see cref="SandboxCommandLine"/>, loopback by default, until Ctrl+C.
/// </summary>
public static class SandboxHost
{
    /// <summary>The switches and their defaults, as <c>--help</c> prints them.</summary>
    public static string Help => SandboxCommandLine.Help;

    /// <summary>Where the sandbox listens unless <c>--urls</c> says otherwise.</summary>
    public static string DefaultUrl => SandboxCommandLine.DefaultUrl;

    /// <summary>Builds the sandbox's web application from <paramref name="args"/> (not started).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SandboxCommandLine.SwitchMappings);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(SandboxCommandLine.DefaultUrl);
        }

        // Request-by-request framework logs drown the console under load; the sandbox's own stats tell more.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSmartRecruitersSandbox();

        var app = builder.Build();
        app.MapSmartRecruitersSandbox();
        return app;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> or Ctrl+C; 0 on a clean stop.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(SandboxCommandLine.Help);
            return 0;
        }

        await using var app = Build(args);
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
