using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;

namespace Passerelle.Bench;

/// <summary>The out-of-process sandbox and fresh clients: every run starts with cold token caches and new credentials.</summary>
internal sealed class BenchContext(SandboxProcess sandbox) : IAsyncDisposable
{
    public SandboxProcess Sandbox { get; } = sandbox;

    public static async Task<BenchContext> StartAsync(int latencyMs, int jitterMs) =>
        new(await SandboxProcess.StartAsync("--seed", "none", "--latency-ms", latencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--jitter-ms", jitterMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A client as the server hosts it (production handler, SR's default limits).</summary>
    public static ServiceProvider NewClientServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSmartRecruitersClient();
        return services.BuildServiceProvider();
    }

    public SrCredential Credential(Tenant tenant) =>
        new("bench-" + tenant.Company, Sandbox.BaseAddress, tenant.ClientId, new InMemorySecret(tenant.ClientSecret));

    public ValueTask DisposeAsync() => Sandbox.DisposeAsync();
}

/// <summary>Samples a working set while a scenario runs: this process's by default, or what <c>read</c> returns (another process's).</summary>
internal sealed class WorkingSetSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public WorkingSetSampler(Func<long>? read = null, int everyMs = 20)
    {
        _loop = Task.Run(async () =>
        {
            using var process = Process.GetCurrentProcess();
            read ??= () =>
            {
                process.Refresh();
                return process.WorkingSet64;
            };
            while (!_stop.IsCancellationRequested)
            {
                Peak = Math.Max(Peak, read());
                try
                {
                    await Task.Delay(everyMs, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public long Peak { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
