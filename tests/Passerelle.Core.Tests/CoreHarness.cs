using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;
using Passerelle.Testing;

namespace Passerelle.Core.Tests;

/// <summary>Core's services on a fresh SQLite database, talking to the in-process sandbox as SmartRecruiters.</summary>
public sealed class CoreHarness : IAsyncDisposable
{
    private readonly DirectoryInfo _dataDirectory;
    private readonly TestDatabase _database;
    private readonly ServiceProvider _services;

    private CoreHarness(DirectoryInfo dataDirectory, TestDatabase database, ServiceProvider services)
    {
        _dataDirectory = dataDirectory;
        _database = database;
        _services = services;
    }

    public static async Task<CoreHarness> CreateAsync(SandboxFactory sandbox)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("passerelle-core-");
        var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Passerelle:DataDirectory"] = dataDirectory.FullName })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSmartRecruitersClient().ConfigurePrimaryHttpMessageHandler(() => sandbox.Server.CreateHandler());
        services.Configure<SmartRecruitersOptions>(o => (o.RequestsPerSecond, o.ConcurrentRequests, o.MaxAttempts, o.BackoffBase, o.BackoffCap) =
            (100_000, 1_000, 2, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)));
        services.AddPasserelleSecrets(configuration);
        services.AddScoped(_ => database.NewContext());
        services.AddScoped<ConnectionService>();
        services.AddScoped<JobSync>();
        return new CoreHarness(dataDirectory, database, services.BuildServiceProvider());
    }

    public T Get<T>()
        where T : notnull => _services.CreateScope().ServiceProvider.GetRequiredService<T>();

    public PasserelleDbContext Db() => _database.NewContext();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        _dataDirectory.Delete(recursive: true);
    }
}
