using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace Passerelle.Testing;

/// <summary>
/// The sandbox as its own process on a free loopback port, exactly as `dotnet run --project src/Passerelle.Sandbox`
/// runs it: real Kestrel, real sockets, so connection resets look to a client as they would from SR.
/// </summary>
public sealed class SandboxProcess : IAsyncDisposable, ISandbox
{
    private readonly Process _process;
    private readonly ServiceProvider _services;

    private SandboxProcess(Process process, Uri baseAddress, ServiceProvider services)
    {
        _process = process;
        BaseAddress = baseAddress;
        _services = services;
    }

    public Uri BaseAddress { get; }

    public HttpClient Http()
    {
        var http = _services.GetRequiredService<IHttpClientFactory>().CreateClient();
        http.BaseAddress = BaseAddress;
        return http;
    }

    /// <summary>Whether this sandbox runs ahead of the machine's other processes (see <see cref="StartFavouredAsync"/>).</summary>
    public bool Favoured { get; private init; }

    public static Task<SandboxProcess> StartAsync(params string[] arguments) => StartAsync(favoured: false, arguments);

    /// <summary>
    /// Starts the sandbox ahead of every other process on the machine (<c>nice -n -15</c>; only root may raise a
    /// priority, so otherwise it starts as usual and <see cref="Favoured"/> says so). SR runs on its own machines:
    /// when Passerelle's nodes saturate this one, the sandbox must not stall with them, or it stamps requests that
    /// left a second apart as arriving together and answers 429s that SR would not.
    /// </summary>
    public static Task<SandboxProcess> StartFavouredAsync(params string[] arguments) =>
        StartAsync(favoured: Environment.IsPrivilegedProcess && File.Exists("/usr/bin/nice"), arguments);

    private static async Task<SandboxProcess> StartAsync(bool favoured, string[] arguments)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Passerelle.Sandbox.dll");
        var start = new ProcessStartInfo(favoured ? "/usr/bin/nice" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (favoured ? ["-n", "-15", "dotnet"] : Array.Empty<string>()).Concat([dll, "--urls", $"http://127.0.0.1:{port}"]).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var sandbox = new SandboxProcess(process, new Uri($"http://127.0.0.1:{port}"), services) { Favoured = favoured };
        var http = sandbox.Http();
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (TimeProvider.System.GetUtcNow() < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/_sandbox/settings")).IsSuccessStatusCode)
                {
                    return sandbox;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        await sandbox.DisposeAsync();
        throw new InvalidOperationException($"The sandbox did not answer on port {port} within 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        await _services.DisposeAsync();
    }
}
