using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Tests;

public sealed class PersistenceTests
{
    public static TheoryData<DatabaseProvider> Providers => new() { DatabaseProvider.Sqlite, DatabaseProvider.Postgres };

    [Fact]
    public void Each_provider_has_a_migration_for_every_model_change()
    {
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);

        sqlite.Database.HasPendingModelChanges().ShouldBeFalse("run: dotnet ef migrations add <Name> --project src/Passerelle.Core --context SqlitePasserelleDbContext --output-dir Persistence/Migrations/Sqlite");
        postgres.Database.HasPendingModelChanges().ShouldBeFalse("run: dotnet ef migrations add <Name> --project src/Passerelle.Core --context PostgresPasserelleDbContext --output-dir Persistence/Migrations/Postgres");
        sqlite.Database.GetMigrations().ShouldNotBeEmpty();
        postgres.Database.GetMigrations().ShouldNotBeEmpty();
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_connection_round_trips_with_its_status_tags_and_audit(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var connection = NewConnection("Maison Azur (production)");
        await using (var db = database.NewContext())
        {
            db.Connections.Add(connection);
            db.ConnectionAudit.Add(new ConnectionAudit { ConnectionId = connection.Id, At = connection.CreatedAt, Actor = "am:camille", Action = "created" });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var stored = await db.Connections.SingleAsync(c => c.Id == connection.Id);
            stored.Status.ShouldBe(ConnectionStatus.NeedsAttention);
            stored.AttentionReason.ShouldBe(AttentionReason.ScopeMissing);
            stored.Tags.ShouldBe(["hippolyte-rh", "multiposting"]);
            stored.CreatedAt.ShouldBe(connection.CreatedAt);
            (await db.ConnectionAudit.Where(a => a.ConnectionId == connection.Id).Select(a => a.Action).ToListAsync()).ShouldBe(["created"]);
            (await db.Connections.CountAsync(c => c.Status == ConnectionStatus.NeedsAttention)).ShouldBe(1);
        }
    }

    [SkippableFact]
    public async Task A_session_idle_inside_a_transaction_is_ended_by_PostgreSQL_so_a_frozen_node_cannot_hold_its_locks()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var db = database.NewContext();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SHOW idle_in_transaction_session_timeout";
        (await command.ExecuteScalarAsync()).ShouldBe("20s");
    }

    [Fact]
    public void The_idle_transaction_fence_is_added_to_a_PostgreSQL_connection_string_and_an_operator_s_own_setting_kept()
    {
        var fenced = new Npgsql.NpgsqlConnectionStringBuilder(PersistenceExtensions.Fenced("Host=db;Database=passerelle;Options=-c search_path=app"));
        fenced.Options.ShouldBe("-c search_path=app -c idle_in_transaction_session_timeout=20000");
        fenced.Host.ShouldBe("db");

        var own = "Host=db;Options=-c idle_in_transaction_session_timeout=60000";
        new Npgsql.NpgsqlConnectionStringBuilder(PersistenceExtensions.Fenced(own)).Options.ShouldBe("-c idle_in_transaction_session_timeout=60000");
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task Display_names_are_unique(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.NewContext();
        db.Connections.Add(NewConnection("Same name"));
        await db.SaveChangesAsync();

        await using var other = database.NewContext();
        other.Connections.Add(NewConnection("Same name"));
        await Should.ThrowAsync<DbUpdateException>(() => other.SaveChangesAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_state_change_is_conditional_so_two_writers_cannot_both_win(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var connection = NewConnection("Conditional");
        await using (var db = database.NewContext())
        {
            db.Connections.Add(connection);
            await db.SaveChangesAsync();
        }

        async Task<int> ActivateAsync(long expectedVersion)
        {
            await using var db = database.NewContext();
            return await db.Connections
                .Where(c => c.Id == connection.Id && c.Version == expectedVersion)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, ConnectionStatus.Active).SetProperty(c => c.Version, expectedVersion + 1));
        }

        var results = await Task.WhenAll(ActivateAsync(0), ActivateAsync(0));

        results.Sum().ShouldBe(1, "exactly one writer wins");
        await using var check = database.NewContext();
        (await check.Connections.SingleAsync(c => c.Id == connection.Id)).Version.ShouldBe(1);
    }

    internal static Connection NewConnection(string displayName) => new()
    {
        DisplayName = displayName,
        CustomerName = "Maison Azur",
        CompanyIdentifier = "MaisonAzur",
        ClientId = "client-" + Guid.NewGuid().ToString("N")[..8],
        BaseUrl = "https://api.smartrecruiters.com",
        Status = ConnectionStatus.NeedsAttention,
        AttentionReason = AttentionReason.ScopeMissing,
        AttentionDetail = "The credential lacks jobs_read.",
        Tags = ["hippolyte-rh", "multiposting"],
        CreatedAt = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero),
        CreatedBy = "am:camille",
        UpdatedAt = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero),
        UpdatedBy = "am:camille",
    };
}
