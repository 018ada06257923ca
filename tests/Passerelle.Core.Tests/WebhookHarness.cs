using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Core.Webhooks;

namespace Passerelle.Core.Tests;

/// <summary>What a receiver got: the headers that matter, the raw body, and whether its own check accepted the signature.</summary>
public sealed record ReceivedWebhook(string Path, string? Signature, string? EventId, string? EventType, string? DeliveryId, string? ContentType, byte[] Body, bool Verified);

/// <summary>
/// A real receiver: Kestrel on 127.0.0.1, port chosen by the system, checking each signature with the code that
/// docs/webhooks.md gives receivers (not Passerelle's own verifier). Answers with <see cref="Respond"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, TimeProvider clock)
    {
        _app = app;
        Clock = clock;
    }

    public TimeProvider Clock { get; }

    /// <summary>The secret the receiver checks signatures with (what the admin copied from the creation answer).</summary>
    public string Secret { get; set; } = "";

    public Func<ReceivedWebhook, Task<int>> Respond { get; set; } = _ => Task.FromResult(200);

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri Url(string path = "/hooks") => new(_app.Urls.Single() + path);

    public static async Task<WebhookReceiver> StartAsync(TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, clock);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var signature = context.Request.Headers["Passerelle-Signature"].ToString();
            var received = new ReceivedWebhook(context.Request.Path, signature, context.Request.Headers["Passerelle-Event-Id"], context.Request.Headers["Passerelle-Event-Type"],
                context.Request.Headers["Passerelle-Delivery-Id"], context.Request.ContentType, body,
                ReceiverCheck.IsValid(signature, body, receiver.Secret, clock.GetUtcNow().ToUnixTimeSeconds()));
            receiver.Received.Enqueue(received);
            var status = await receiver.Respond(received);
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
            {
                context.Response.Headers.Location = "/elsewhere";
            }

            // A body the dispatcher must never store or log.
            await context.Response.WriteAsync("receiver-body-not-to-be-stored");
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The receiver-side check exactly as docs/webhooks.md shows it, independent of Passerelle's code.</summary>
internal static class ReceiverCheck
{
    public static bool IsValid(string signatureHeader, byte[] rawBody, string secret, long nowUnixSeconds)
    {
        string? t = null;
        var v1 = new List<string>();
        foreach (var part in signatureHeader.Split(','))
        {
            var kv = part.Trim().Split('=', 2);
            if (kv.Length != 2)
            {
                return false;
            }

            if (kv[0] == "t")
            {
                t = kv[1];
            }
            else if (kv[0] == "v1")
            {
                v1.Add(kv[1]);
            }
        }

        if (t is null || !long.TryParse(t, out var timestamp) || Math.Abs(nowUnixSeconds - timestamp) > 300)
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(rawBody).ToArray();
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return v1.Any(candidate => candidate.Length == 64
            && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(candidate), expected));
    }
}

/// <summary>The dispatcher's services on a fresh SQLite database with a fake clock; no host, no worker.</summary>
public sealed class WebhookHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _dataDirectory;
    private readonly TestDatabase _database;
    private readonly ServiceProvider _services;

    private WebhookHarness(DirectoryInfo dataDirectory, TestDatabase database, ServiceProvider services, FakeTimeProvider time)
    {
        _dataDirectory = dataDirectory;
        _database = database;
        _services = services;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    /// <summary>
    /// The receiver listens on 127.0.0.1, so <c>Webhooks:AllowPrivateNetworks</c> is on unless
    /// <paramref name="allowPrivateNetworks"/> says otherwise.
    /// </summary>
    public static async Task<WebhookHarness> CreateAsync(Action<IHttpClientBuilder>? http = null, bool allowPrivateNetworks = true, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("passerelle-webhooks-");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Passerelle:DataDirectory"] = dataDirectory.FullName,
                ["Webhooks:AllowPrivateNetworks"] = allowPrivateNetworks ? "true" : "false",
            })
            .Build();
        var time = new FakeTimeProvider(Start);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddPasserelleSecrets(configuration);
        services.AddScoped(_ => database.NewContext());
        var client = services.AddWebhookDispatcher();
        http?.Invoke(client);
        return new WebhookHarness(dataDirectory, database, services.BuildServiceProvider(), time);
    }

    /// <summary>A dispatcher with its own database context, as on its own node.</summary>
    public WebhookDispatcher Dispatcher() => _services.CreateScope().ServiceProvider.GetRequiredService<WebhookDispatcher>();

    public PasserelleDbContext Db() => _database.NewContext();

    /// <summary>
    /// A dispatcher on its own node whose first write waits at <paramref name="gate"/>: two of them both read the same
    /// rows before either claims any, the race the conditional updates must settle.
    /// </summary>
    public WebhookDispatcher RacingDispatcher(RaceGate gate)
    {
        PasserelleDbContext db = _database.Provider == DatabaseProvider.Postgres
            ? new PostgresPasserelleDbContext((DbContextOptions<PostgresPasserelleDbContext>)new DbContextOptionsBuilder<PostgresPasserelleDbContext>()
                .UsePostgres(_database.Location).AddInterceptors(new WaitBeforeFirstWrite(gate)).Options)
            : new SqlitePasserelleDbContext((DbContextOptions<SqlitePasserelleDbContext>)new DbContextOptionsBuilder<SqlitePasserelleDbContext>()
                .UseSqlitePasserelle(PersistenceExtensions.SqliteFileIn(Path.GetDirectoryName(_database.Location)!))
                .AddInterceptors(new WaitBeforeFirstWrite(gate)).Options);
        return new WebhookDispatcher(db, _services.GetRequiredService<SecretProtector>(),
            _services.GetRequiredService<IHttpClientFactory>(), Time, _services.GetRequiredService<IOptions<WebhookOptions>>(),
            NullLogger<WebhookDispatcher>.Instance);
    }

    public async Task<ConnectionId> ConnectionAsync()
    {
        await using var db = Db();
        var connection = new Connection
        {
            DisplayName = $"Hooks {Guid.NewGuid():N}", CustomerName = "C", CompanyIdentifier = "C", ClientId = "client", BaseUrl = "https://api.smartrecruiters.com",
            Status = ConnectionStatus.Active, CreatedBy = "test", UpdatedBy = "test", CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow(),
        };
        db.Connections.Add(connection);
        await db.SaveChangesAsync();
        return connection.Id;
    }

    /// <summary>Subscribes <paramref name="url"/>; returns it and its plain secret.</summary>
    public async Task<(WebhookSubscription Subscription, string Secret)> SubscribeAsync(
        Uri url, IEnumerable<string>? types = null, IEnumerable<ConnectionId>? connections = null, bool paused = false)
    {
        var secret = WebhookSignature.NewSecret();
        var subscription = new WebhookSubscription
        {
            Url = url.AbsoluteUri, ProtectedSecret = _services.GetRequiredService<SecretProtector>().Protect(secret), CreatedBy = "test",
            CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow(), IsPaused = paused,
            EventTypes = [.. types ?? []], ConnectionIds = [.. (connections ?? []).Select(c => c.Value)],
        };
        await using var db = Db();
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync();
        return (subscription, secret);
    }

    public async Task<OutboxEvent> EventAsync(ConnectionId connection, string type = EventTypes.JobCreated, string jobId = "job-1")
    {
        var e = OutboxEvent.Create(connection, type,
            new JobEventPayload(connection.Value, jobId, "Cariste", "REF-1", "SOURCING", "PUBLIC", Time.GetUtcNow(), false, []), Time.GetUtcNow(),
            EventJsonContext.Default.JobEventPayload);
        await using var db = Db();
        db.OutboxEvents.Add(e);
        await db.SaveChangesAsync();
        return e;
    }

    public async Task<List<WebhookDelivery>> DeliveriesAsync(Guid subscription)
    {
        await using var db = Db();
        return [.. db.WebhookDeliveries.Where(d => d.SubscriptionId == subscription).AsEnumerable().OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)];
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        _dataDirectory.Delete(recursive: true);
    }
}

/// <summary>Lets <c>parties</c> callers through once they have all arrived.</summary>
public sealed class RaceGate(int parties)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    public Task ArriveAsync()
    {
        if (Interlocked.Increment(ref _arrived) == parties)
        {
            _all.SetResult();
        }

        return _all.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Holds a node's first write (a transaction or an update) at the gate: by then it has read its candidates.</summary>
internal sealed class WaitBeforeFirstWrite(RaceGate gate) : DbCommandInterceptor, IDbTransactionInterceptor
{
    private int _seen;

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await WaitOnceAsync();
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        await WaitOnceAsync();
        return result;
    }

    private Task WaitOnceAsync() => Interlocked.Exchange(ref _seen, 1) == 0 ? gate.ArriveAsync() : Task.CompletedTask;
}

internal static class HttpStatus
{
    public static Task<int> Of(HttpStatusCode code) => Task.FromResult((int)code);
}
