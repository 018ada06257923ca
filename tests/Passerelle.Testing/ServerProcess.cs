using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Passerelle.Testing;

/// <summary>What <see cref="ServerProcess"/> starts: where the data lives, which database, which extra settings.</summary>
public sealed record ServerProcessOptions
{
    /// <summary>The data directory (SQLite file, key ring, bootstrap key). Default: a new temporary directory, deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>An Npgsql connection string: the server runs on PostgreSQL (<c>Database:Provider=Postgres</c>) instead of SQLite.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Any other settings, by configuration key (<c>Sync:Scheduled</c>), applied after the defaults.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Names the log file. Default <c>server</c>.</summary>
    public string Name { get; init; } = "server";

    /// <summary>Where the log file goes. Default: <c>server-logs</c> next to the test assembly.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>How long a start may take before <c>/health/ready</c> answers 200. Default 90 s (a busy 2-core machine).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>
/// <c>Passerelle.Server</c> as its own process (<c>dotnet Passerelle.Server.dll</c>), on a free loopback port with its
/// own Orleans ports, as an operator runs it: so a test can SIGKILL it mid-work and start it again on the same data
/// directory and ports. The project using it must reference <c>src/Passerelle.Server</c> so that the server's dll,
/// deps and runtimeconfig sit next to the tests. Standard output and error go to a log file (the one line the server
/// prints its bootstrap key on is redacted as it is written); <see cref="LogShouldNotContain"/> checks it for leaks.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly ServerProcessOptions _options;
    private readonly bool _ownsDataDirectory;
    private readonly Dictionary<string, string?> _environment;
    private readonly ServiceProvider _services;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly List<string> _issuedKeys = [];
    private Process? _process;

    private ServerProcess(ServerProcessOptions options, string dataDirectory, bool ownsDataDirectory)
    {
        _options = options;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        HttpPort = FreePorts.Next();
        SiloPort = FreePorts.Next();
        GatewayPort = FreePorts.Next();
        BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}");
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();

        var logDirectory = options.LogDirectory ?? Path.Combine(AppContext.BaseDirectory, "server-logs");
        Directory.CreateDirectory(logDirectory);
        LogPath = Path.Combine(logDirectory, $"{options.Name}-{TimeProvider.System.GetUtcNow():yyyyMMdd-HHmmss}-{HttpPort}.log");
        _log = new StreamWriter(new FileStream(LogPath, FileMode.Create, FileAccess.Write, FileShare.Read), Encoding.UTF8) { AutoFlush = true };

        // Settings go through the environment, not the command line, so that a connection string with a password
        // never shows in `ps`. The log levels are appsettings.json's, which is not copied next to the tests.
        _environment = new Dictionary<string, string?>
        {
            ["Passerelle:DataDirectory"] = dataDirectory,
            ["Cluster:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        };
        if (options.PostgresConnectionString is { } postgres)
        {
            _environment["Database:Provider"] = "Postgres";
            _environment["ConnectionStrings:Passerelle"] = postgres;
        }

        foreach (var (key, value) in options.Settings)
        {
            _environment[key] = value;
        }
    }

    public Uri BaseAddress { get; }

    public int HttpPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string DataDirectory { get; }

    /// <summary>The file holding the process's standard output and error, every start appended.</summary>
    public string LogPath { get; }

    /// <summary>The admin key the server wrote at its first start (<c>bootstrap-admin-key.txt</c>).</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>How many times the process has been started.</summary>
    public int Starts { get; private set; }

    /// <summary>The exit code of the last process once it has exited, or null while it runs (or before any start).</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The running process's id, or null between a kill and a restart.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public static async Task<ServerProcess> StartAsync(ServerProcessOptions? options = null)
    {
        options ??= new ServerProcessOptions();
        var owns = options.DataDirectory is null;
        var data = options.DataDirectory ?? Directory.CreateTempSubdirectory("passerelle-server-process-").FullName;
        var server = new ServerProcess(options, data, owns);
        try
        {
            await server.LaunchAsync();
            var keyFile = Path.Combine(data, "bootstrap-admin-key.txt");
            server.AdminKey = File.Exists(keyFile)
                ? (await File.ReadAllTextAsync(keyFile)).Trim()
                : throw new InvalidOperationException($"The server did not write {keyFile} at its first start (is the data directory new?).");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the server without credentials.</summary>
    public HttpClient Http(string? key = null)
    {
        var http = _services.GetRequiredService<IHttpClientFactory>().CreateClient();
        http.BaseAddress = BaseAddress;
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>A client that sends the bootstrap admin key.</summary>
    public HttpClient Admin() => Http(AdminKey);

    /// <summary>A new key of <paramref name="role"/> (<c>admin</c> or <c>platform</c>) created through the API, as an operator would.</summary>
    public async Task<string> NewKeyAsync(string role, params Guid[] connections)
    {
        var response = await Admin().PostAsJsonAsync("/api/v1/api-keys", new { name = $"test-{role}-{Guid.NewGuid():N}", role, connections });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/api-keys answered {(int)response.StatusCode}: {body}");
        }

        var key = System.Text.Json.Nodes.JsonNode.Parse(body)?["key"]?.GetValue<string>() ?? throw new InvalidOperationException("The new key's answer has no 'key'.");
        lock (_issuedKeys)
        {
            _issuedKeys.Add(key);
        }

        return key;
    }

    /// <summary>SIGKILL, no warning: what a power cut or the OOM killer does. Returns once the process is gone.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Note($"killed (SIGKILL) pid {process.Id}");
    }

    /// <summary>Freezes the process (SIGSTOP): it holds its sockets and state but does nothing, as a node stalled by a long GC or a VM pause.</summary>
    public Task PauseAsync() => SignalAsync("STOP", "paused (SIGSTOP)");

    /// <summary>Thaws a process frozen by <see cref="PauseAsync"/> (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT", "resumed (SIGCONT)");

    private async Task SignalAsync(string signal, string note)
    {
        if (_process is not { HasExited: false } process || OperatingSystem.IsWindows())
        {
            throw new InvalidOperationException($"Cannot send SIG{signal}: the server does not run (or this is Windows).");
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
        Note($"{note} pid {process.Id}");
    }

    /// <summary>Stops the process if it runs (SIGTERM, then SIGKILL after 30 s) and starts it again on the same data directory and ports.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    /// <summary>A graceful stop (SIGTERM, as systemd or Kubernetes sends), falling back to SIGKILL after <paramref name="grace"/> (default 30 s).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            // No SIGTERM there: stopping is killing.
            Kill();
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }

        using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            Note($"stopped (SIGTERM) pid {process.Id}, exit code {process.ExitCode}");
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>The process's working set now, or 0 when it does not run.</summary>
    public long WorkingSetBytes()
    {
        try
        {
            if (_process is not { HasExited: false } process)
            {
                return 0;
            }

            process.Refresh();
            return process.WorkingSet64;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Everything the process wrote so far.</summary>
    public string Log()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Fails when the log holds any API key this object knows (the bootstrap key and every key from
    /// <see cref="NewKeyAsync"/>) or any of <paramref name="secrets"/>. The failure names the label, never the value.
    /// </summary>
    public void LogShouldNotContain(IEnumerable<(string Label, string Value)> secrets)
    {
        var log = Log();
        List<(string Label, string Value)> all = [("the bootstrap admin key", AdminKey)];
        lock (_issuedKeys)
        {
            all.AddRange(_issuedKeys.Select((k, i) => ($"API key #{i + 1} created through the API", k)));
        }

        all.AddRange(secrets);
        var leaked = Find(log, all).Distinct().ToList();
        if (leaked.Count > 0)
        {
            throw new ShouldAssertException($"The server's log ({LogPath}) contains {leaked.Count} secret(s) or personal data: {string.Join("; ", leaked.Take(10))}{(leaked.Count > 10 ? "; …" : "")}.");
        }
    }

    /// <summary>
    /// The labels of the <paramref name="secrets"/> found in <paramref name="text"/>, ignoring case. One pass over
    /// the text for all of them (SearchValues builds a multi-string matcher): a chaos scenario has tens of thousands
    /// of applicants and megabytes of log, and a search per value took longer than the scenario itself.
    /// </summary>
    public static List<string> Find(string text, IReadOnlyCollection<(string Label, string Value)> secrets)
    {
        var found = new List<string>();
        var values = secrets.Where(s => s.Value.Length > 0).ToList();
        if (values.Count == 0)
        {
            return found;
        }

        var matcher = SearchValues.Create([.. values.Select(v => v.Value).Distinct(StringComparer.OrdinalIgnoreCase)], StringComparison.OrdinalIgnoreCase);
        for (var from = 0; from < text.Length;)
        {
            var at = text.AsSpan(from).IndexOfAny(matcher);
            if (at < 0)
            {
                break;
            }

            from += at;
            found.AddRange(values.Where(v => text.AsSpan(from).StartsWith(v.Value, StringComparison.OrdinalIgnoreCase)).Select(v => v.Label));
            from++;
        }

        return found;
    }

    private async Task LaunchAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Passerelle.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: the project running this must reference src/Passerelle.Server/Passerelle.Server.csproj.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        foreach (var argument in new[] { dll, "--urls", BaseAddress.AbsoluteUri.TrimEnd('/') })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Starts++;
        Note($"start #{Starts}: dotnet Passerelle.Server.dll on {BaseAddress}, silo {SiloPort}, gateway {GatewayPort}, {(_options.PostgresConnectionString is null ? "SQLite" : "PostgreSQL")}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Write("out", e.Data);
        process.ErrorDataReceived += (_, e) => Write("err", e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var http = Http();
        http.Timeout = TimeSpan.FromSeconds(5);
        var deadline = TimeProvider.System.GetUtcNow() + _options.ReadyTimeout;
        while (TimeProvider.System.GetUtcNow() < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    Note($"ready (pid {process.Id})");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        var why = process.HasExited ? $"exited with code {process.ExitCode}" : $"was not ready within {_options.ReadyTimeout.TotalSeconds:0} s";
        if (process.HasExited)
        {
            // HasExited turns true before the output readers have delivered the last lines, which are the ones that
            // say why (a CI run once read a tail without the refusal): wait for both streams' end of file.
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                Note("the output streams did not close within 10 s of the exit");
            }
        }

        Kill();
        throw new InvalidOperationException($"The server {why} (start #{Starts}). Last lines of {LogPath}:\n{Tail(40)}");
    }

    private string Tail(int lines) => string.Join('\n', Log().Split('\n').TakeLast(lines));

    private void Write(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            // The server prints its first admin key once, alone on a line after a banner: keep it out of the file. A
            // key inside any other line stays, for LogShouldNotContain to find.
            if (stream == "out" && line.StartsWith("psl_", StringComparison.Ordinal) && !line.Contains(' ', StringComparison.Ordinal))
            {
                line = "[a line holding only an API key (the bootstrap key), redacted by ServerProcess]";
            }

            _log.WriteLine(stream == "err" ? "[stderr] " + line : line);
        }
    }

    private void Note(string text)
    {
        lock (_logLock)
        {
            _log.WriteLine($"==== {TimeProvider.System.GetUtcNow():HH:mm:ss.fff} ServerProcess: {text} ====");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            _process?.Dispose();
            await _services.DisposeAsync();
            lock (_logLock)
            {
                _log.Dispose();
            }

            if (_ownsDataDirectory)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // A file still held open by a dying process: the temporary directory is left behind, no more.
                }
            }
        }
    }
}
