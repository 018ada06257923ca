using Microsoft.EntityFrameworkCore;
using Npgsql;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Tests;

/// <summary>
/// A fresh, migrated database of either provider. PostgreSQL comes from <c>PASSERELLE_TEST_POSTGRES</c> (set by
/// test.sh); without it the PostgreSQL cases skip with a reason, so a bare <c>dotnet test</c> still runs the rest.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "PASSERELLE_TEST_POSTGRES";

    private readonly Func<PasserelleDbContext> _create;
    private readonly Func<ValueTask> _drop;

    private TestDatabase(DatabaseProvider provider, Func<PasserelleDbContext> create, Func<ValueTask> drop, string location)
    {
        Provider = provider;
        _create = create;
        _drop = drop;
        Location = location;
    }

    public DatabaseProvider Provider { get; }

    /// <summary>The SQLite file, or the PostgreSQL connection string.</summary>
    public string Location { get; }

    public PasserelleDbContext NewContext() => _create();

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        TestDatabase database;
        if (provider == DatabaseProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("passerelle-db-");
            var connectionString = PersistenceExtensions.SqliteFileIn(directory.FullName);
            database = new TestDatabase(provider,
                () => new SqlitePasserelleDbContext((DbContextOptions<SqlitePasserelleDbContext>)new DbContextOptionsBuilder<SqlitePasserelleDbContext>().UseSqlitePasserelle(connectionString).Options),
                () =>
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    directory.Delete(recursive: true);
                    return ValueTask.CompletedTask;
                },
                Path.Combine(directory.FullName, "passerelle.db"));
        }
        else
        {
            var server = Environment.GetEnvironmentVariable(PostgresVariable);
            Skip.If(string.IsNullOrEmpty(server), $"{PostgresVariable} is not set: run ./test.sh for the PostgreSQL cases.");
            var name = "passerelle_test_" + Guid.NewGuid().ToString("N")[..12];
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }

            var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
            database = new TestDatabase(provider,
                () => new PostgresPasserelleDbContext((DbContextOptions<PostgresPasserelleDbContext>)new DbContextOptionsBuilder<PostgresPasserelleDbContext>().UsePostgres(connectionString).Options),
                async () =>
                {
                    NpgsqlConnection.ClearAllPools();
                    await using var admin = new NpgsqlConnection(server);
                    await admin.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                    await drop.ExecuteNonQueryAsync();
                },
                connectionString);
        }

        await using var context = database.NewContext();
        await context.Database.MigrateAsync();
        return database;
    }

    public ValueTask DisposeAsync() => _drop();
}
