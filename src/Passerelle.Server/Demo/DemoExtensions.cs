using Microsoft.Extensions.Options;

namespace Passerelle.Server.Demo;

public static class DemoExtensions
{
    /// <summary>The demo's own switches, turned into configuration keys so that they also work from appsettings or the environment.</summary>
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--demo-traffic"] = $"--{DemoOptions.SectionName}:{nameof(DemoOptions.Traffic)}=true",
    };

    /// <summary><c>--demo-traffic</c> becomes <c>--Demo:Traffic=true</c>; every other argument is left as it is.</summary>
    public static string[] ExpandDemoSwitches(string[] args) => [.. args.Select(a => Switches.GetValueOrDefault(a, a))];

    /// <summary>
    /// Registers the demo when <c>Demo:Enabled</c> is true (the <c>Demo</c> environment of <c>dotnet run</c>), and
    /// refuses demo settings in Production at once, before anything else starts. Call before
    /// <see cref="ServerExtensions.AddPasserelleServer"/>: the sandbox must start before the lanes that call it.
    /// </summary>
    public static WebApplicationBuilder AddPasserelleDemo(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var environment = builder.Environment.EnvironmentName;
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName)
            .Validate(o => DemoOptions.RefusalFor(o, environment) is null, DemoOptions.RefusalFor(new DemoOptions { Enabled = true }, "Production")!)
            .Validate(o => o.TrafficPerMinute is >= 1 and <= 600, "Demo:TrafficPerMinute must be between 1 and 600.")
            .Validate(o => Uri.TryCreate(o.SandboxUrl, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp && url.IsLoopback,
                "Demo:SandboxUrl must be an http:// loopback address, e.g. http://127.0.0.1:5081 (port 0 picks a free port).")
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>() ?? new DemoOptions();
        if (DemoOptions.RefusalFor(options, environment) is { } refusal)
        {
            throw new OptionsValidationException(DemoOptions.SectionName, typeof(DemoOptions), [refusal]);
        }

        if (!options.Enabled)
        {
            return builder;
        }

        services.AddHttpClient(nameof(DemoSandbox));
        services.AddHttpClient(nameof(DemoTraffic));
        services.AddSingleton<DemoOnboarding>();
        services.AddSingleton<DemoTraffic>();
        services.AddSingleton<DemoHost>();
        services.AddHostedService(sp => sp.GetRequiredService<DemoHost>());
        return builder;
    }
}
