using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Server.Lanes;

namespace Passerelle.Server.Operations;

/// <summary><c>passerelle doctor</c>: checks an installation without starting it, and without changing it.</summary>
public static class Doctor
{
    private static readonly TimeSpan ReachTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Every check, in order: configuration, database, key ring, cluster, each connection's SR address.</summary>
    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(OperationsTarget target, CancellationToken cancellationToken)
    {
        var checks = new List<DoctorCheck>();
        var installation = OperationsHost.Open(target);
        await using (installation)
        {
            checks.AddRange(ConfigurationChecks(target, installation));
            if (installation.App is not { } app || installation.Problems.Count > 0)
            {
                // Settings the server would refuse make its services refuse too: the rest waits for a valid configuration.
                checks.Add(new DoctorCheck("database", CheckStatus.Failed, "Not checked: the configuration above must be fixed first (the key ring and connections neither).",
                    "Fix the configuration, then run doctor again."));
                checks.Add(await ClusterCheckAsync(installation, cancellationToken));
                return checks;
            }

            var database = await DatabaseCheckAsync(app.Services, cancellationToken);
            checks.Add(database.Check);
            checks.AddRange(await KeyRingChecksAsync(installation, app.Services, database.Readable, cancellationToken));
            checks.Add(await ClusterCheckAsync(installation, cancellationToken));
            if (database.Readable)
            {
                checks.AddRange(await ConnectionChecksAsync(app.Services, cancellationToken));
            }
        }

        return checks;
    }

    private static IEnumerable<DoctorCheck> ConfigurationChecks(OperationsTarget target, OperationsHost installation)
    {
        if (!File.Exists(Path.Combine(target.ContentRoot, "appsettings.json")))
        {
            yield return new DoctorCheck("configuration", CheckStatus.Warning,
                $"No appsettings.json in {Path.GetFullPath(target.ContentRoot)}: only built-in defaults, environment variables and --set apply.",
                "Run doctor from the server's directory, or give it with --content-root.");
        }

        foreach (var problem in installation.Problems)
        {
            yield return new DoctorCheck("configuration", CheckStatus.Failed, problem,
                "Change that setting (appsettings.json, an environment variable such as Database__Provider, or --set Key=Value) and run doctor again.");
        }

        if (installation.Problems.Count == 0)
        {
            yield return new DoctorCheck("configuration", CheckStatus.Ok, $"Every setting is valid for the {target.Environment} environment.");
        }
    }

    private static async Task<(DoctorCheck Check, bool Readable)> DatabaseCheckAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var migrateOnStartup = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup;
        var where = OperationsHost.Describe(db);
        if (db.Database.IsSqlite() && SqliteFile(db) is { } file && !File.Exists(file))
        {
            // Opening it would create it: the doctor changes nothing.
            return (new DoctorCheck("database", CheckStatus.Warning, $"No database yet at {file}.",
                migrateOnStartup ? "Run `passerelle migrate`, or start the server: it creates and migrates it." : "Run `passerelle migrate` (Database:MigrateOnStartup is false)."), false);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReachTimeout);
            if (!await db.Database.CanConnectAsync(timeout.Token))
            {
                return (Unreachable(where, "it refused the connection or the database does not exist"), false);
            }

            var applied = (await db.Database.GetAppliedMigrationsAsync(timeout.Token)).ToList();
            var known = db.Database.GetMigrations().ToList();
            var unknown = applied.Except(known, StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                return (new DoctorCheck("database", CheckStatus.Failed,
                    $"{where} was migrated by a newer Passerelle: {string.Join(", ", unknown)} is unknown to this version.",
                    "Run this node with the version that migrated it (or newer); never run an older version on a newer database."), true);
            }

            var pending = known.Except(applied, StringComparer.Ordinal).ToList();
            if (pending.Count > 0)
            {
                var detail = $"{where} reachable; {pending.Count} migration(s) not applied yet: {string.Join(", ", pending)}.";
                return migrateOnStartup
                    ? (new DoctorCheck("database", CheckStatus.Warning, detail, "The server applies them at its next start; or run `passerelle migrate` now."), applied.Count > 0)
                    : (new DoctorCheck("database", CheckStatus.Failed, detail, "Run `passerelle migrate` (Database:MigrateOnStartup is false, so the server will not)."), applied.Count > 0);
            }

            return (new DoctorCheck("database", CheckStatus.Ok, $"{where} reachable and migrated ({applied.Count} migrations, latest {applied.LastOrDefault() ?? "none"})."), true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (Unreachable(where, e is OperationCanceledException ? $"no answer within {ReachTimeout.TotalSeconds:0} s" : OperationsHost.Reason(e)), false);
        }
    }

    private static DoctorCheck Unreachable(string where, string reason) =>
        new("database", CheckStatus.Failed, $"Cannot reach {where}: {reason}.",
            "Check ConnectionStrings:Passerelle (host, port, database, user) and that the database server runs and accepts this machine.");

    /// <summary>The SQLite file a context opens, made absolute; null for an in-memory or URI data source.</summary>
    internal static string? SqliteFile(PasserelleDbContext db)
    {
        var source = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        return string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? null : Path.GetFullPath(source);
    }

    private static async Task<IEnumerable<DoctorCheck>> KeyRingChecksAsync(OperationsHost installation, IServiceProvider services, bool databaseReadable, CancellationToken cancellationToken)
    {
        var directory = installation.KeyRingDirectory;
        var checks = new List<DoctorCheck>();
        string? sample = null;
        string? sampleConnection = null;
        var secrets = 0;
        if (databaseReadable)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            try
            {
                var stored = await db.Connections.AsNoTracking().Where(c => c.ProtectedSecret != null).Select(c => new { c.Id, c.ProtectedSecret }).ToListAsync(cancellationToken);
                secrets = stored.Count;
                (sampleConnection, sample) = stored.Select(s => (s.Id.ToString(), s.ProtectedSecret)).FirstOrDefault();
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                // An unmigrated schema: the database check already says so.
            }
        }

        var keys = Directory.Exists(directory) ? Directory.GetFiles(directory, "key-*.xml") : [];
        if (keys.Length == 0)
        {
            checks.Add(secrets > 0
                ? new DoctorCheck("key ring", CheckStatus.Failed,
                    $"No key ring at {directory}, but {secrets} connection(s) hold a stored secret: none of them (nor any stored CV) can be read.",
                    "Restore the key ring directory from the backup taken with the database (README, Backups), or point Passerelle:KeyRingDirectory at it.")
                : new DoctorCheck("key ring", CheckStatus.Ok, $"No key ring at {directory} yet: the server creates it at its first start. Back it up with the database."));
            return checks;
        }

        try
        {
            foreach (var key in keys)
            {
                await using var read = File.OpenRead(key);
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            checks.Add(new DoctorCheck("key ring", CheckStatus.Failed, $"The key ring at {directory} cannot be read: {OperationsHost.Reason(e)}.",
                "Give the account the server runs as read and write access to that directory (and only that account)."));
            return checks;
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(directory) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)) != 0)
        {
            checks.Add(new DoctorCheck("key ring", CheckStatus.Warning, $"The key ring at {directory} is readable by other accounts on this machine.",
                $"chmod 700 {directory} (its keys decrypt every stored secret and CV)."));
        }

        if (sample is null)
        {
            checks.Add(new DoctorCheck("key ring", CheckStatus.Ok, $"{keys.Length} key(s) at {directory}, readable."));
            return checks;
        }

        try
        {
            // Decrypting one stored secret proves this key ring (and its certificate, if any) is the one the data was written with.
            _ = services.GetRequiredService<SecretProtector>().Unprotect(sample, sampleConnection!);
            checks.Add(new DoctorCheck("key ring", CheckStatus.Ok, $"{keys.Length} key(s) at {directory}; a stored secret (connection {sampleConnection}) decrypts with them."));
        }
        catch (Exception e) when (e is SecretUnavailableException or System.Security.Cryptography.CryptographicException)
        {
            checks.Add(new DoctorCheck("key ring", CheckStatus.Failed,
                $"The key ring at {directory} cannot decrypt the stored secret of connection {sampleConnection}: it is not the key ring this database was written with, or its certificate is missing.",
                "Restore the matching key ring (and Passerelle:KeyRingCertificatePath) from the backup taken with the database."));
        }

        return checks;
    }

    private static async Task<DoctorCheck> ClusterCheckAsync(OperationsHost installation, CancellationToken cancellationToken)
    {
        var cluster = installation.Cluster;
        if (installation.ClusterProblems.Count > 0)
        {
            return new DoctorCheck("cluster", CheckStatus.Failed, string.Join(" ", installation.ClusterProblems),
                "Change those Cluster settings (every node of a cluster needs the same Cluster:ClusterId, Cluster:Redis and database).");
        }

        if (cluster.Mode != ClusterMode.Redis)
        {
            return PortsInUse(cluster) ?? new DoctorCheck("cluster", CheckStatus.Ok, $"Single node (Cluster:Mode {cluster.Mode}), silo port {cluster.SiloPort}, gateway port {cluster.GatewayPort}.");
        }

        // Problems() has parsed it already; the endpoints name Redis in messages, the string itself may hold a password.
        var options = StackExchange.Redis.ConfigurationOptions.Parse(cluster.Redis!);
        var endpoints = string.Join(", ", options.EndPoints);
        try
        {
            options.ConnectTimeout = (int)ReachTimeout.TotalMilliseconds;
            options.AbortOnConnectFail = true;
            await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
            _ = await redis.GetDatabase().PingAsync();
            cancellationToken.ThrowIfCancellationRequested();
            return PortsInUse(cluster) ?? new DoctorCheck("cluster", CheckStatus.Ok,
                $"Redis cluster '{cluster.ClusterId}': Redis at {endpoints} answers; this node listens on silo port {cluster.SiloPort}, gateway {cluster.GatewayPort}.");
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or ArgumentException or TimeoutException)
        {
            return new DoctorCheck("cluster", CheckStatus.Failed, $"Cluster:Mode is Redis but Redis at {endpoints} does not answer: {OperationsHost.Reason(e)}.",
                "Check Cluster:Redis (host:port) and that Redis runs and accepts this machine; without it no node starts its lanes.");
        }
    }

    /// <summary>
    /// The silo or gateway port already taken: a warning only, since the doctor often runs beside the started server,
    /// whose own silo holds them; a start with them taken is refused.
    /// </summary>
    private static DoctorCheck? PortsInUse(ClusterOptions cluster)
    {
        List<string> taken;
        try
        {
            taken = [.. cluster.PortsInUse(cluster.ListenAddress())];
        }
        catch (InvalidOperationException e)
        {
            return new DoctorCheck("cluster", CheckStatus.Failed, e.Message, "Set Cluster:AdvertisedAddress to the address the other nodes use.");
        }

        return taken.Count == 0
            ? null
            : new DoctorCheck("cluster", CheckStatus.Warning, string.Join(" ", taken),
                "Nothing to do if this node's server is running (its silo holds them); otherwise a start is refused: free the port or change the setting named.");
    }

    private static async Task<IEnumerable<DoctorCheck>> ConnectionChecksAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        List<Connection> connections;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            try
            {
                connections = await db.Connections.AsNoTracking().Where(c => c.Status != ConnectionStatus.Disconnected).OrderBy(c => c.DisplayName).ToListAsync(cancellationToken);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                return [];
            }
        }

        if (connections.Count == 0)
        {
            return [new DoctorCheck("connections", CheckStatus.Ok, "No connection yet: add one in the console or with `passerelle connections add`.")];
        }

        using var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(Doctor));
        http.Timeout = ReachTimeout;
        var checks = new List<DoctorCheck>();
        foreach (var address in connections.GroupBy(c => c.BaseUrl, StringComparer.OrdinalIgnoreCase))
        {
            string? unreachable = null;
            int? status = null;
            try
            {
                // Any HTTP answer proves DNS, routing, the firewall and TLS; what SR says to an anonymous GET does not matter.
                using var response = await http.GetAsync(new Uri(address.Key), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                status = (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                unreachable = e is TaskCanceledException ? $"no answer within {ReachTimeout.TotalSeconds:0} s" : OperationsHost.Reason(e);
            }

            foreach (var connection in address)
            {
                var name = $"connection {connection.DisplayName}";
                if (unreachable is not null)
                {
                    checks.Add(new DoctorCheck(name, CheckStatus.Failed, $"SmartRecruiters at {address.Key} is not reachable from here: {unreachable}.",
                        "Check DNS, the firewall or proxy (HTTPS_PROXY) towards that address, and the connection's base URL."));
                }
                else if (connection.Status == ConnectionStatus.NeedsAttention)
                {
                    checks.Add(new DoctorCheck(name, CheckStatus.Warning,
                        $"SR at {address.Key} answers (HTTP {status?.ToString(CultureInfo.InvariantCulture)}), but the connection needs attention: {connection.AttentionReason} {connection.AttentionDetail}".TrimEnd(),
                        "Open it in the console (or `passerelle connections show`) for the remedy; `passerelle connections test` re-checks it."));
                }
                else
                {
                    checks.Add(new DoctorCheck(name, CheckStatus.Ok, $"SR at {address.Key} answers (HTTP {status?.ToString(CultureInfo.InvariantCulture)}); status {connection.Status}."));
                }
            }
        }

        return checks;
    }
}

/// <summary><c>passerelle migrate</c>: brings the database to this version's schema.</summary>
public static class Migrator
{
    /// <summary>Applies the pending migrations. Throws <see cref="OperationsException"/> when the configuration is invalid or the database unreachable.</summary>
    public static async Task<MigrationReport> RunAsync(OperationsTarget target, CancellationToken cancellationToken)
    {
        await using var installation = OperationsHost.Open(target);
        if (installation.App is not { } app || installation.AllProblems.Count > 0)
        {
            throw new OperationsException("The configuration is not valid, so nothing was migrated.", installation.AllProblems);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var where = OperationsHost.Describe(db);
        try
        {
            if (db.Database.IsSqlite() && Doctor.SqliteFile(db) is { } file && Path.GetDirectoryName(file) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            var before = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            var unknown = before.Except(db.Database.GetMigrations(), StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                throw new OperationsException($"{where} was migrated by a newer Passerelle.",
                    [$"Migration {string.Join(", ", unknown)} is unknown to this version: run the version that applied it (or newer); nothing was changed."]);
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            return new MigrationReport(db.Database.IsSqlite() ? nameof(DatabaseProvider.Sqlite) : nameof(DatabaseProvider.Postgres), where, pending, before.Count);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new OperationsException($"Cannot migrate {where}.",
                [$"{OperationsHost.Reason(e)}: check ConnectionStrings:Passerelle and that the database server runs and this account may change its schema."]);
        }
    }
}
