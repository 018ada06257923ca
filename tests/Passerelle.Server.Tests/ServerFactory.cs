using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Persistence;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>
/// The server on SQLite in a temporary data directory, with the sandbox in process as SmartRecruiters: the SR
/// client's only handler is the sandbox's, so no request can leave the test.
/// </summary>
public class ServerFactory : WebApplicationFactory<PasserelleServer>
{
    private readonly DirectoryInfo _dataDirectory;
    private readonly bool _shared;

    public ServerFactory()
        : this(Directory.CreateTempSubdirectory("passerelle-server-"), new SandboxFactory(), shared: false)
    {
    }

    protected ServerFactory(DirectoryInfo dataDirectory, SandboxFactory sandbox, bool shared)
    {
        _dataDirectory = dataDirectory;
        Sandbox = sandbox;
        _shared = shared;
    }

    /// <summary>A node of a cluster: it shares the data directory (key ring) and the sandbox, which it does not dispose.</summary>
    public static ServerFactory Node(DirectoryInfo dataDirectory, SandboxFactory sandbox) => new(dataDirectory, sandbox, shared: true);

    public SandboxFactory Sandbox { get; }

    /// <summary>Settings applied after the defaults above (set before the first request or <c>Services</c> use).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public Uri SandboxUrl => Sandbox.Server.BaseAddress;

    /// <summary>Services a test adds or replaces (e.g. a logger provider that collects lines), set before the host starts.</summary>
    public List<Action<IServiceCollection>> TestServices { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Passerelle:DataDirectory", _dataDirectory.FullName);

        // Each host its own silo ports (a silo refuses port 0). Lanes sync only on demand unless a test turns the
        // schedule on, so that tests counting SR calls see only their own.
        builder.UseSetting("Cluster:SiloPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:GatewayPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Sync:Scheduled", "false");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddHttpClient(SmartRecruitersClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Sandbox.Server.CreateHandler());
            foreach (var configure in TestServices)
            {
                configure(services);
            }
        });
    }

    /// <summary>The key the server wrote at first start.</summary>
    public HttpClient Admin()
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_dataDirectory.FullName, "bootstrap-admin-key.txt")).Trim());
        return http;
    }

    public Task<HttpClient> KeyAsync(ApiRole role, params Guid[] connections) => KeyAsync(this, role, connections);

    /// <summary>A new API key of <paramref name="role"/>, stored through <paramref name="app"/> (a derived factory keeps its own host).</summary>
    public static async Task<HttpClient> KeyAsync(WebApplicationFactory<PasserelleServer> app, ApiRole role, params Guid[] connections)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var (client, key) = ApiClient.Issue($"test-{Guid.NewGuid():N}", role, "test", TimeProvider.System.GetUtcNow(), connections);
        db.ApiClients.Add(client);
        await db.SaveChangesAsync();
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public string DataDirectory => _dataDirectory.FullName;

    /// <summary>
    /// Checks the settings before starting, as the host's own start does first: a host whose start fails is kept
    /// by the factory, which then stops every hosted service on dispose, and Orleans' silo throws when stopped
    /// before it started, hiding the test's own outcome.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder) => ValidatedHost.Start(builder);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (_shared)
        {
            return;
        }

        await Sandbox.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dataDirectory.Delete(recursive: true);
    }
}
