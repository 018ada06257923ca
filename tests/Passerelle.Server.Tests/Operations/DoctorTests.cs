using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Server.Operations;
using Passerelle.Testing;
using Microsoft.AspNetCore.Hosting;

namespace Passerelle.Server.Tests.Operations;

public sealed class DoctorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("passerelle-doctor-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private OperationsTarget Target(Dictionary<string, string?>? overrides = null, string environment = "Production") =>
        new(_root, environment, overrides ?? new Dictionary<string, string?>());

    private void Settings(string json) => File.WriteAllText(Path.Combine(_root, "appsettings.json"), json);

    [Fact]
    public async Task A_fresh_installation_is_healthy_except_for_its_missing_database_and_doctor_creates_nothing()
    {
        var checks = await Doctor.RunAsync(Target(), CancellationToken.None);

        checks.ShouldNotContain(c => c.Status == CheckStatus.Failed, Describe(checks));
        checks.ShouldContain(c => c.Name == "configuration" && c.Status == CheckStatus.Warning && c.Detail.Contains("No appsettings.json"));
        var database = checks.Single(c => c.Name == "database");
        database.Status.ShouldBe(CheckStatus.Warning);
        database.Fix!.ShouldContain("passerelle migrate");
        File.Exists(Path.Combine(_root, "data", "passerelle.db")).ShouldBeFalse("the doctor must not create the database");
        Directory.Exists(Path.Combine(_root, "data", "keys")).ShouldBeFalse("nor the key ring");
        checks.Single(c => c.Name == "cluster").Status.ShouldBe(CheckStatus.Ok);
    }

    [Fact]
    public async Task Migrate_applies_every_migration_once_then_doctor_finds_the_database_migrated()
    {
        Settings("""{ "Passerelle": { "DataDirectory": "state" } }""");
        var first = await Migrator.RunAsync(Target(), CancellationToken.None);
        first.Provider.ShouldBe("Sqlite");
        first.Applied.ShouldNotBeEmpty();
        first.AlreadyApplied.ShouldBe(0);
        first.Database.ShouldContain(Path.Combine(_root, "state", "passerelle.db"), Case.Sensitive, "relative paths start at the content root");

        var again = await Migrator.RunAsync(Target(), CancellationToken.None);
        again.Applied.ShouldBeEmpty();
        again.AlreadyApplied.ShouldBe(first.Applied.Count);

        var checks = await Doctor.RunAsync(Target(), CancellationToken.None);
        checks.ShouldAllBe(c => c.Status == CheckStatus.Ok, Describe(checks));
        checks.Single(c => c.Name == "database").Detail.ShouldContain($"{first.Applied.Count} migrations");
        checks.ShouldContain(c => c.Name == "connections" && c.Detail.StartsWith("No connection yet"));
    }

    [Fact]
    public async Task A_broken_configuration_names_each_problem_with_its_fix_and_migrate_refuses_to_run()
    {
        Settings("""
            {
              "Demo": { "Enabled": true },
              "Cluster": { "Mode": "Redis" },
              "Connections": { "ProbeInterval": "00:00:01" },
              "Applications": { "RetryBackoffBase": "00:00:00.001" }
            }
            """);

        var checks = await Doctor.RunAsync(Target(), CancellationToken.None);

        var problems = checks.Where(c => c is { Name: "configuration", Status: CheckStatus.Failed }).ToList();
        problems.ShouldContain(c => c.Detail.Contains("Demo:Enabled is true in the Production environment"), Describe(checks));
        problems.ShouldContain(c => c.Detail.Contains("Connections:ProbeInterval"), Describe(checks));
        problems.ShouldContain(c => c.Detail.Contains("Applications:RetryBackoffBase"), Describe(checks));
        problems.ShouldAllBe(c => !string.IsNullOrEmpty(c.Fix));
        checks.Single(c => c.Name == "cluster").ShouldSatisfyAllConditions(
            c => c.Status.ShouldBe(CheckStatus.Failed),
            c => c.Detail.ShouldContain("Cluster:Redis is empty"),
            c => c.Detail.ShouldContain("Database:Provider is Sqlite"));

        var refused = await Should.ThrowAsync<OperationsException>(() => Migrator.RunAsync(Target(), CancellationToken.None));
        refused.Problems.ShouldContain(p => p.Contains("Connections:ProbeInterval"));
        File.Exists(Path.Combine(_root, "data", "passerelle.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task PostgreSQL_without_a_connection_string_is_a_configuration_problem_not_a_crash()
    {
        var checks = await Doctor.RunAsync(Target(new() { ["Database:Provider"] = "Postgres" }), CancellationToken.None);

        checks.ShouldContain(c => c.Name == "configuration" && c.Status == CheckStatus.Failed && c.Detail.Contains("ConnectionStrings:Passerelle is empty"), Describe(checks));
        checks.Single(c => c.Name == "database").Detail.ShouldStartWith("Not checked");
        checks.ShouldContain(c => c.Name == "cluster");
    }

    [Fact]
    public async Task Settings_given_on_the_command_line_override_the_files()
    {
        Settings("""{ "Connections": { "ProbeInterval": "00:00:01" } }""");

        var checks = await Doctor.RunAsync(Target(new() { ["Connections:ProbeInterval"] = "1.00:00:00" }), CancellationToken.None);

        checks.ShouldNotContain(c => c.Status == CheckStatus.Failed, Describe(checks));
    }

    [Fact]
    public async Task The_key_ring_must_decrypt_the_stored_secrets_and_each_connection_SR_address_must_answer()
    {
        await Migrator.RunAsync(Target(), CancellationToken.None);
        await using var sr = await ListenerAsync();
        await AddConnectionAsync("Reachable", sr.Url);
        await AddConnectionAsync("Unreachable", $"http://127.0.0.1:{FreePorts.Next()}/");

        var checks = await Doctor.RunAsync(Target(), CancellationToken.None);
        checks.Single(c => c.Name == "key ring" && c.Status == CheckStatus.Ok).Detail.ShouldContain("decrypts");
        checks.Single(c => c.Name == "connection Reachable").Status.ShouldBe(CheckStatus.Ok, Describe(checks));
        var unreachable = checks.Single(c => c.Name == "connection Unreachable");
        unreachable.Status.ShouldBe(CheckStatus.Failed);
        unreachable.Detail.ShouldContain("not reachable");

        // Another installation's key ring: the secrets are there, but cannot be read.
        var keys = Path.Combine(_root, "data", "keys");
        Directory.Delete(keys, recursive: true);
        var elsewhere = Directory.CreateTempSubdirectory("passerelle-other-ring-").FullName;
        try
        {
            await Migrator.RunAsync(new OperationsTarget(elsewhere, "Production", new Dictionary<string, string?>()), CancellationToken.None);
            await using (var other = OperationsHost.Open(new OperationsTarget(elsewhere, "Production", new Dictionary<string, string?>())))
            {
                _ = other.App!.Services.GetRequiredService<SecretProtector>().Protect("creates a key");
            }

            CopyDirectory(Path.Combine(elsewhere, "data", "keys"), keys);
            var wrong = await Doctor.RunAsync(Target(), CancellationToken.None);
            var ring = wrong.Single(c => c.Name == "key ring" && c.Status == CheckStatus.Failed);
            ring.Detail.ShouldContain("cannot decrypt");
            ring.Fix!.ShouldContain("backup");
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }

        Directory.Delete(keys, recursive: true);
        var lost = await Doctor.RunAsync(Target(), CancellationToken.None);
        lost.Single(c => c.Name == "key ring").ShouldSatisfyAllConditions(
            c => c.Status.ShouldBe(CheckStatus.Failed),
            c => c.Detail.ShouldContain("2 connection(s) hold a stored secret"));
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_reported_with_what_to_check()
    {
        var target = Target(new()
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Passerelle"] = $"Host=127.0.0.1;Port={FreePorts.Next()};Username=postgres;Password=not-shown-anywhere;Database=passerelle;Timeout=3",
        });

        var checks = await Doctor.RunAsync(target, CancellationToken.None);

        var database = checks.Single(c => c.Name == "database");
        database.Status.ShouldBe(CheckStatus.Failed);
        database.Detail.ShouldContain("Cannot reach the PostgreSQL database passerelle on 127.0.0.1");
        database.Fix!.ShouldContain("ConnectionStrings:Passerelle");
        checks.ShouldAllBe(c => !c.Detail.Contains("not-shown-anywhere"), "never the password");
        (await Should.ThrowAsync<OperationsException>(() => Migrator.RunAsync(target, CancellationToken.None))).Message.ShouldContain("Cannot migrate");
    }

    [SkippableFact]
    public async Task Migrate_and_doctor_work_on_PostgreSQL()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        Skip.If(string.IsNullOrEmpty(postgres), "PASSERELLE_TEST_POSTGRES is not set: run ./test.sh for the PostgreSQL case.");
        var database = "passerelle_doctor_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var target = Target(new()
        {
            ["Database:Provider"] = "Postgres",
            ["Database:MigrateOnStartup"] = "false",
            ["ConnectionStrings:Passerelle"] = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString,
        });

        var before = await Doctor.RunAsync(target, CancellationToken.None);
        before.Single(c => c.Name == "database").ShouldSatisfyAllConditions(
            c => c.Status.ShouldBe(CheckStatus.Failed, "pending migrations with MigrateOnStartup=false"),
            c => c.Fix!.ShouldContain("passerelle migrate"));

        var report = await Migrator.RunAsync(target, CancellationToken.None);
        report.Provider.ShouldBe("Postgres");
        report.Applied.ShouldNotBeEmpty();

        var after = await Doctor.RunAsync(target, CancellationToken.None);
        after.Single(c => c.Name == "database").Status.ShouldBe(CheckStatus.Ok, Describe(after));
    }

    [SkippableFact]
    public async Task In_cluster_mode_the_doctor_checks_that_Redis_answers()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("PASSERELLE_TEST_REDIS");
        Skip.If(string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(redis), "PASSERELLE_TEST_POSTGRES and PASSERELLE_TEST_REDIS are not set: run ./test.sh for the cluster case.");
        Dictionary<string, string?> Cluster(string address) => new()
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Passerelle"] = postgres,
            ["Cluster:Mode"] = "Redis",
            ["Cluster:Redis"] = address,
            ["Cluster:AdvertisedAddress"] = "127.0.0.1",
        };

        var up = await Doctor.RunAsync(Target(Cluster(redis)), CancellationToken.None);
        up.Single(c => c.Name == "cluster").ShouldSatisfyAllConditions(c => c.Status.ShouldBe(CheckStatus.Ok, Describe(up)), c => c.Detail.ShouldContain("answers"));

        var down = await Doctor.RunAsync(Target(Cluster($"127.0.0.1:{FreePorts.Next()},connectTimeout=2000")), CancellationToken.None);
        down.Single(c => c.Name == "cluster").ShouldSatisfyAllConditions(c => c.Status.ShouldBe(CheckStatus.Failed), c => c.Fix!.ShouldContain("Cluster:Redis"));
    }

    private async Task AddConnectionAsync(string name, string baseUrl)
    {
        await using var installation = OperationsHost.Open(Target());
        await using var scope = installation.App!.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<SecretProtector>();
        db.Connections.Add(new Connection
        {
            DisplayName = name,
            CustomerName = name,
            CompanyIdentifier = "Doctor" + name,
            ClientId = "client-" + name,
            ProtectedSecret = protector.Protect("secret-" + name),
            BaseUrl = baseUrl,
            Status = ConnectionStatus.Active,
            CreatedBy = "test",
            UpdatedBy = "test",
        });
        await db.SaveChangesAsync();
        (await db.Connections.CountAsync()).ShouldBeGreaterThan(0);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    /// <summary>A loopback HTTP server that answers 404 to everything, as SR's API root does to an anonymous GET.</summary>
    private static async Task<Listener> ListenerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        return new Listener(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    private sealed record Listener(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static string Describe(IEnumerable<DoctorCheck> checks) =>
        string.Join(Environment.NewLine, checks.Select(c => $"{c.Status} {c.Name}: {c.Detail} → {c.Fix}"));
}
