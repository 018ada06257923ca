using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Passerelle.Server.Demo;

/// <summary>
/// Runs the demo beside the server: starts the embedded sandbox before anything calls it (registered first, so it
/// starts before the lanes and stops after them), onboards once the server listens, prints where to look, and
/// starts the optional traffic. Ctrl+C stops the traffic, then the server's own work, then the sandbox.
/// </summary>
internal sealed partial class DemoHost(
    IOptions<DemoOptions> options,
    IConfiguration configuration,
    IServer server,
    IHostApplicationLifetime lifetime,
    DemoOnboarding onboarding,
    DemoTraffic traffic,
    ILogger<DemoHost> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private DemoSandbox? _sandbox;
    private Task _work = Task.CompletedTask;

    /// <summary>The facts once the demo is ready (tests wait on it).</summary>
    public TaskCompletionSource<DemoFacts> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sandbox = await DemoSandbox.StartAsync(options.Value.SandboxUrl, configuration.GetSection(Sandbox.SandboxExtensions.SectionName), cancellationToken);
        Log.SandboxStarted(logger, _sandbox.BaseUrl);
        lifetime.ApplicationStarted.Register(() => _work = Task.Run(() => RunAsync(_sandbox.BaseUrl, _stopping.Token)));
    }

    private async Task RunAsync(Uri sandboxUrl, CancellationToken cancellationToken)
    {
        try
        {
            var facts = await onboarding.RunAsync(ServerUrl(), sandboxUrl, cancellationToken);
            Console.WriteLine(DemoBanner.Render(facts, options.Value, Path.GetFullPath(Path.Combine(configuration[$"{Core.Persistence.PasserelleOptions.SectionName}:DataDirectory"] ?? "./data", DemoFacts.FileName))));
            Ready.TrySetResult(facts);
            if (options.Value.Traffic)
            {
                await traffic.RunAsync(facts, sandboxUrl, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Ready.TrySetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            // The server keeps running (its console shows what state it reached); the operator learns why the demo is incomplete.
            Log.Failed(logger, e);
            Console.Error.WriteLine($"Passerelle demo: could not finish setting up ({e.Message}). The server is running; see the log above.");
            Ready.TrySetException(e);
        }
    }

    /// <summary>Where the server listens, as a browser on this machine reaches it.</summary>
    private Uri ServerUrl()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
                      ?? throw new DemoException("The server reports no address to listen on.");
        return DemoSandbox.Loopback(new Uri(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _work.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: whatever the demo was doing is abandoned; accepted applications are in the database.
        }

        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    public void Dispose() => _stopping.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo: SmartRecruiters sandbox listening on {Url}")]
        public static partial void SandboxStarted(ILogger logger, Uri url);

        [LoggerMessage(2, LogLevel.Error, "Demo: setting up failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
