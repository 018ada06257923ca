using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Passerelle.Core.Persistence;

public static class PersistenceExtensions
{
    /// <summary>
    /// Registers <see cref="PasserelleDbContext"/> on the configured provider: SQLite (default; <c>passerelle.db</c> in
    /// <c>Passerelle:DataDirectory</c>, unless <c>ConnectionStrings:Passerelle</c> says otherwise) or PostgreSQL
    /// (<c>Database:Provider=Postgres</c> with <c>ConnectionStrings:Passerelle</c>). Options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddPasserellePersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasserelleOptions>().BindConfiguration(PasserelleOptions.SectionName).ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = configuration.GetConnectionString("Passerelle");
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContext<PasserelleDbContext, PostgresPasserelleDbContext>(o => o.UsePostgres(connectionString ?? ""));
        }
        else
        {
            var dataDirectory = configuration[$"{PasserelleOptions.SectionName}:DataDirectory"] ?? new PasserelleOptions().DataDirectory;
            var sqlite = string.IsNullOrWhiteSpace(connectionString) ? SqliteFileIn(dataDirectory) : connectionString;
            services.AddDbContext<PasserelleDbContext, SqlitePasserelleDbContext>(o => o.UseSqlitePasserelle(sqlite));
        }

        return services;
    }

    /// <summary>Brings the database to the latest migration (creating the SQLite file and its directory if needed).</summary>
    public static async Task MigrateAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
    }

    internal static string SqliteFileIn(string dataDirectory)
    {
        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        return $"Data Source={Path.Combine(directory, "passerelle.db")};Foreign Keys=True;Pooling=True";
    }

    internal static DbContextOptionsBuilder UseSqlitePasserelle(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(PasserelleDbContext).Assembly.FullName));

    internal static DbContextOptionsBuilder UsePostgres(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(Fenced(connectionString), npgsql => npgsql.MigrationsAssembly(typeof(PasserelleDbContext).Assembly.FullName));

    /// <summary>How long PostgreSQL lets a session sit idle inside an open transaction before ending it.</summary>
    internal static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A node frozen mid-transaction (a VM pause, SIGSTOP, a stalled GC) keeps its row locks for as long as its
    /// session lives, and every other node's write on those rows waits behind it (the chaos harness's zombie saw
    /// intake stall for the whole freeze). Passerelle's transactions never wait on anything but the database, so
    /// PostgreSQL may end such a session after <see cref="IdleInTransactionTimeout"/>: the locks go, the zombie's
    /// commit fails when it wakes. An <c>Options</c> setting of the operator's own for it is kept.
    /// </summary>
    internal static string Fenced(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
        {
            var timeout = $"-c idle_in_transaction_session_timeout={(int)IdleInTransactionTimeout.TotalMilliseconds}";
            builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? timeout : $"{builder.Options} {timeout}";
        }

        return builder.ConnectionString;
    }
}

/// <summary>Lets <c>dotnet ef migrations add … --context SqlitePasserelleDbContext</c> build the context without a host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePasserelleDbContext>
{
    public SqlitePasserelleDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlitePasserelleDbContext>)new DbContextOptionsBuilder<SqlitePasserelleDbContext>().UseSqlitePasserelle("Data Source=design-time.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresPasserelleDbContext</c> build the context; it never connects.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPasserelleDbContext>
{
    public PostgresPasserelleDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgresPasserelleDbContext>)new DbContextOptionsBuilder<PostgresPasserelleDbContext>().UsePostgres("Host=localhost;Database=passerelle_design").Options);
}
