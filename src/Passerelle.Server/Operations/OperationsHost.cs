using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Persistence;
using Passerelle.Server.Demo;
using Passerelle.Server.Lanes;

namespace Passerelle.Server.Operations;

/// <summary>
/// The server as it would be built from an <see cref="OperationsTarget"/>, never started: the same registrations and
/// validators, so that the doctor judges the configuration exactly as a start would. Every problem is collected
/// rather than the first one thrown.
/// </summary>
internal sealed class OperationsHost : IAsyncDisposable
{
    private OperationsHost(IConfiguration configuration, WebApplication? app, IReadOnlyList<string> problems, string keyRingDirectory, ClusterOptions cluster, IReadOnlyList<string> clusterProblems)
    {
        Configuration = configuration;
        Cluster = cluster;
        ClusterProblems = clusterProblems;
        App = app;
        Problems = problems;
        KeyRingDirectory = keyRingDirectory;
    }

    /// <summary>The merged configuration (files, environment, overrides), with relative paths made absolute from the content root.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The built (not started) server; null when its settings do not even let it build.</summary>
    public WebApplication? App { get; }

    /// <summary>Every configuration problem, each a sentence naming the setting and what to set.</summary>
    public IReadOnlyList<string> Problems { get; }

    public string KeyRingDirectory { get; }

    /// <summary>The cluster settings as configured (the build may have run on neutral ones).</summary>
    public ClusterOptions Cluster { get; }

    /// <summary>What is wrong with <see cref="Cluster"/>, reported apart from the rest.</summary>
    public IReadOnlyList<string> ClusterProblems { get; }

    /// <summary>Every problem, cluster ones included.</summary>
    public IReadOnlyList<string> AllProblems => [.. Problems, .. ClusterProblems];

    public static OperationsHost Open(OperationsTarget target)
    {
        var contentRoot = Path.GetFullPath(target.ContentRoot);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. target.Overrides.Select(o => $"--{o.Key}={o.Value}")],
            ContentRootPath = contentRoot,
            EnvironmentName = target.Environment,
        });
        builder.Logging.ClearProviders();

        // The server resolves relative paths from its working directory, which is its content root; here the process
        // may run anywhere, so they are anchored to the content root explicitly.
        var anchored = new Dictionary<string, string?>();
        foreach (var key in new[] { "Passerelle:DataDirectory", "Passerelle:KeyRingDirectory", "Passerelle:KeyRingCertificatePath" })
        {
            if (builder.Configuration[key] is { Length: > 0 } path && !Path.IsPathRooted(path))
            {
                anchored[key] = Path.GetFullPath(Path.Combine(contentRoot, path));
            }
        }

        if (builder.Configuration[$"{PasserelleOptions.SectionName}:DataDirectory"] is null)
        {
            anchored["Passerelle:DataDirectory"] = Path.GetFullPath(Path.Combine(contentRoot, new PasserelleOptions().DataDirectory));
        }

        if (builder.Configuration.GetConnectionString("Passerelle") is { Length: > 0 } connectionString
            && (builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite) == DatabaseProvider.Sqlite)
        {
            try
            {
                var sqlite = new SqliteConnectionStringBuilder(connectionString);
                if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && !Path.IsPathRooted(file))
                {
                    sqlite.DataSource = Path.GetFullPath(Path.Combine(contentRoot, file));
                    anchored["ConnectionStrings:Passerelle"] = sqlite.ConnectionString;
                }
            }
            catch (ArgumentException)
            {
                // Not a connection string SQLite can read: the validator below says so.
            }
        }

        builder.Configuration.AddInMemoryCollection(anchored);
        var configuration = builder.Configuration;
        var keyRing = configuration["Passerelle:KeyRingDirectory"] ?? Path.Combine(configuration["Passerelle:DataDirectory"]!, "keys");

        // Problems that stop the registration itself are collected first, then neutralised for the build, so that the
        // options validators still report everything else.
        var problems = new List<string>();
        var neutral = new Dictionary<string, string?>();
        var environment = target.Environment;
        var demo = configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>() ?? new DemoOptions();
        if (DemoOptions.RefusalFor(demo, environment) is { } refusal)
        {
            problems.Add(refusal);
            neutral["Demo:Enabled"] = "false";
        }

        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        var provider = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var clusterProblems = cluster.Problems(provider).ToList();
        if (clusterProblems.Count > 0)
        {
            neutral["Cluster:Mode"] = nameof(ClusterMode.Localhost);
            neutral["Cluster:SiloPort"] = "11111";
            neutral["Cluster:GatewayPort"] = "30000";
            neutral["Cluster:ClusterId"] = "passerelle";
        }

        builder.Configuration.AddInMemoryCollection(neutral);
        WebApplication? app = null;
        try
        {
            builder.AddPasserelleDemo();
            builder.AddPasserelleServer();
            app = builder.Build();
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException or FormatException)
        {
            problems.AddRange(Flatten(e));
        }

        return new OperationsHost(configuration, app, [.. problems.Distinct(StringComparer.Ordinal)], keyRing, cluster, clusterProblems);
    }

    /// <summary>Where a database is, without its password.</summary>
    public static string Describe(PasserelleDbContext db)
    {
        var connectionString = db.Database.GetConnectionString() ?? "";
        if (db.Database.IsSqlite())
        {
            return $"the SQLite database {Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource)}";
        }

        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"the PostgreSQL database {postgres.Database ?? "(default)"} on {postgres.Host ?? "localhost"}:{postgres.Port}";
    }

    /// <summary>An exception's message for an operator: the innermost useful sentence, never a stack trace.</summary>
    public static string Reason(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next && inner is HttpRequestException or DbUpdateException or AggregateException or TypeInitializationException)
        {
            inner = next;
        }

        return inner.Message.TrimEnd('.');
    }

    private static IEnumerable<string> Flatten(Exception e) => e switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Flatten),
        _ => [e.Message.Replace("Passerelle cannot start: ", "", StringComparison.Ordinal)],
    };

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
