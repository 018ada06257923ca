using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Passerelle.Sandbox;

namespace Passerelle.Server.Demo;

/// <summary>
/// The demo's SmartRecruiters: the sandbox as its own web application on its own port, in this process, seeded with
/// the demo company. Its own host because the sandbox answers at SR's paths (<c>/jobs</c>, <c>/candidates</c>) that
/// must not mix with Passerelle's. State lives in memory: every start begins from the seed.
/// </summary>
internal sealed class DemoSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DemoSandbox(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the sandbox answers, with its real port when <c>Demo:SandboxUrl</c> asked for port 0.</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// Starts the sandbox on <paramref name="url"/>. <paramref name="sandboxSettings"/> is the server's own
    /// <c>Sandbox</c> section (so <c>--Sandbox:RequestsPerSecond=2</c> works on the demo); the seed defaults to the
    /// demo company.
    /// </summary>
    public static async Task<DemoSandbox> StartAsync(string url, IConfigurationSection sandboxSettings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Configuration.Sources.Clear();
        var settings = new Dictionary<string, string?> { [$"{SandboxExtensions.SectionName}:Seed"] = "demo" };
        foreach (var (key, value) in sandboxSettings.AsEnumerable(makePathsRelative: true))
        {
            settings[$"{SandboxExtensions.SectionName}:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().AddFilter((category, level) => level >= LogLevel.Warning);
        builder.Services.AddSmartRecruitersSandbox();

        var app = builder.Build();
        app.MapSmartRecruitersSandbox();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await app.DisposeAsync();
            throw new DemoException($"The demo's SmartRecruiters sandbox cannot listen on {url}: the address is in use (another demo still running?). " +
                "Stop what uses it, or choose another address with --Demo:SandboxUrl=http://127.0.0.1:0 (a free port).");
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? url;
        return new DemoSandbox(app, Loopback(new Uri(address)));
    }

    /// <summary>Kestrel reports a wildcard host as it was bound (<c>http://[::]:5081</c>); callers need one they can reach.</summary>
    internal static Uri Loopback(Uri address) =>
        IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
            ? new UriBuilder(address) { Host = "127.0.0.1" }.Uri
            : address;

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The demo cannot run as configured; the message says why and what to do.</summary>
public sealed class DemoException(string message) : Exception(message);
