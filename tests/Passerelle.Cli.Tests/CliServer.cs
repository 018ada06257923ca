using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Passerelle.Server;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;

namespace Passerelle.Cli.Tests;

/// <summary>
/// The server in process on SQLite in a temporary directory, with the sandbox in process as SmartRecruiters (its
/// handler is the SR client's only one), delivering applications quickly; the CLI reaches it through its test handler.
/// </summary>
public sealed class CliServer : WebApplicationFactory<PasserelleServer>
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("passerelle-cli-server-");

    public SandboxFactory Sandbox { get; } = new();

    public Uri SandboxUrl => Sandbox.Server.BaseAddress;

    /// <summary>The bootstrap admin key the server wrote at first start.</summary>
    public string AdminKey
    {
        get
        {
            _ = Server;
            return File.ReadAllText(Path.Combine(_data.FullName, "bootstrap-admin-key.txt")).Trim();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Passerelle:DataDirectory", _data.FullName);
        builder.UseSetting("Cluster:SiloPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:GatewayPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Sync:Scheduled", "false");
        builder.UseSetting("Sync:SupervisorInterval", "00:00:01");
        builder.UseSetting("Applications:RetryBackoffBase", "00:00:00.200");
        builder.UseSetting("Applications:RetryBackoffCap", "00:00:01");
        builder.UseSetting("Webhooks:AllowPrivateNetworks", "true");
        builder.ConfigureTestServices(services =>
            services.AddHttpClient(SmartRecruitersClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Sandbox.Server.CreateHandler()));
    }

    /// <summary>Checks the settings before starting, as ServerFactory does (a silo stopped before it started throws on dispose).</summary>
    protected override IHost CreateHost(IHostBuilder builder) => ValidatedHost.Start(builder);

    /// <summary>A tenant of the sandbox's with one open job: its SR job id.</summary>
    public async Task<(Tenant Tenant, string JobId)> TenantAsync(string jobTitle, params string[] scopes)
    {
        var tenant = await Sandbox.NewTenantAsync(scopes);
        return (tenant, await tenant.AddJobIdAsync(jobTitle));
    }

    /// <summary>Runs <c>passerelle</c> in process against this server with the admin key.</summary>
    public Task<CliRun> RunAsync(params string[] args) => new CliRunner(this).RunAsync(args);

    /// <summary>A runner with another API key.</summary>
    public CliRunner Cli(string? key = null) => new(this) { Variables = { ["PASSERELLE_API_KEY"] = key ?? AdminKey } };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Sandbox.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }
}

/// <summary>What one run printed and exited with.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public JsonNode Json => JsonNode.Parse(Out) ?? throw new ShouldAssertException("stdout is empty");

    public CliRun ShouldSucceed()
    {
        ExitCode.ShouldBe(0, $"stdout: {Out}\nstderr: {Error}");
        return this;
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {Out}\nstderr: {Error}";
}

/// <summary>One configured way to run the CLI: environment variables, stdin, directory.</summary>
public sealed class CliRunner(CliServer? server)
{
    public Dictionary<string, string?> Variables { get; } = server is null
        ? []
        : new() { ["PASSERELLE_SERVER"] = server.Server.BaseAddress.AbsoluteUri, ["PASSERELLE_API_KEY"] = server.AdminKey };

    public string CurrentDirectory { get; init; } = TestDirectories.New("cwd");

    public Func<string[], CancellationToken, Task<int>>? Sandbox { get; init; }

    public Func<Server.Operations.OperationsTarget, CancellationToken, Task<IReadOnlyList<Server.Operations.DoctorCheck>>>? Doctor { get; init; }

    public Func<Server.Operations.OperationsTarget, CancellationToken, Task<Server.Operations.MigrationReport>>? Migrate { get; init; }

    public bool UseRealHandler { get; init; }

    /// <summary>Small pages make lists follow the API's cursor with a few items.</summary>
    public int PageSize { get; init; } = 200;

    public async Task<CliRun> RunAsync(string[] args, string stdin = "", CancellationToken cancellationToken = default)
    {
        // HOME is a fresh directory, so a developer's own profiles never leak into a test.
        Variables.TryAdd("HOME", CurrentDirectory);
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment(output, error, new StringReader(stdin), name => Variables.GetValueOrDefault(name), CurrentDirectory, TimeProvider.System)
        {
            HttpHandler = server is null || UseRealHandler ? null : () => server.Server.CreateHandler(),
            PollInterval = TimeSpan.FromMilliseconds(100),
            PageSize = PageSize,
            Cancellation = cancellationToken,
        };
        env = env with
        {
            Sandbox = Sandbox ?? env.Sandbox,
            Doctor = Doctor ?? env.Doctor,
            Migrate = Migrate ?? env.Migrate,
        };
        var exit = await CliApp.RunAsync(args, env);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
