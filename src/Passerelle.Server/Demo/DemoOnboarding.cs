using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Core.Users;
using Passerelle.Server.Jobs;
using Passerelle.Server.Ui;
using Passerelle.SmartRecruiters.Probing;

namespace Passerelle.Server.Demo;

/// <summary>A demo connection: its name in the console and the scopes its SR credential carries.</summary>
internal sealed record DemoConnectionSpec(string DisplayName, IReadOnlyList<string> Scopes);

/// <summary>What <c>./data/demo.json</c> holds: the facts the README's tour and the CLI need.</summary>
public sealed record DemoFacts(
    string ConsoleUrl,
    string CareersUrl,
    string SandboxUrl,
    string ApiUrl,
    string AdminUser,
    string? AdminPassword,
    string AdminApiKey,
    IReadOnlyList<DemoConnectionFacts> Connections)
{
    public const string FileName = "demo.json";

    // A file for people and scripts, never embedded in HTML: accents and quotes as they are.
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    // The password and the key are the demo's, but they stay out of logs all the same.
    public override string ToString() => $"DemoFacts {{ ConsoleUrl = {ConsoleUrl}, Connections = {Connections.Count} }}";
}

public sealed record DemoConnectionFacts(
    Guid Id, string DisplayName, ConnectionStatus Status, IReadOnlyList<string> Scopes, int OpenJobs, string? Attention, IReadOnlyList<string> Warnings);

/// <summary>
/// Makes the demo whole once the server is up: the sandbox's credentials, the connections onboarded the way an
/// account manager does it (through <see cref="ConnectionService"/>, so the probe and the scope warning are real),
/// a first full sync through the connections' lanes, a fresh admin API key, and the facts file.
/// </summary>
internal sealed partial class DemoOnboarding(
    IServiceScopeFactory scopes,
    IHttpClientFactory http,
    IOptions<PasserelleOptions> passerelle,
    TimeProvider time,
    ILogger<DemoOnboarding> logger)
{
    public const string Actor = "system:demo";
    public const string CompanyIdentifier = "MaisonAzur";
    public const string CustomerName = "Maison Azur";
    public const string AdminUser = "admin";

    internal static readonly IReadOnlyList<DemoConnectionSpec> Connections =
    [
        new("Maison Azur", SrScopes.Required),
        new("Maison Azur (accès trop large)", [.. SrScopes.Required, SrScopes.CandidatesRead]),
    ];

    /// <summary>How long the first sync may take before the demo goes on without it (a busy 2-core machine).</summary>
    internal static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(120);

    public async Task<DemoFacts> RunAsync(Uri serverUrl, Uri sandboxUrl, CancellationToken cancellationToken)
    {
        using var sandbox = http.CreateClient(nameof(DemoSandbox));
        sandbox.BaseAddress = sandboxUrl;

        var connections = new List<ConnectionWithVerdict>();
        foreach (var spec in Connections)
        {
            connections.Add(await OnboardAsync(spec, sandbox, sandboxUrl, cancellationToken));
        }

        foreach (var onboarded in connections.Where(c => c.Connection.Status == ConnectionStatus.Active))
        {
            await SyncAsync(onboarded.Connection.Id, cancellationToken);
        }

        var key = await IssueAdminKeyAsync(cancellationToken);
        var facts = new DemoFacts(
            ConsoleUrl: serverUrl.AbsoluteUri.TrimEnd('/'),
            CareersUrl: new Uri(serverUrl, $"/careers/{CompanyIdentifier}").AbsoluteUri,
            SandboxUrl: new Uri(sandboxUrl, "/_sandbox/inbox").AbsoluteUri,
            ApiUrl: new Uri(serverUrl, "/scalar/v1").AbsoluteUri,
            AdminUser: AdminUser,
            AdminPassword: await AdminPasswordAsync(cancellationToken),
            AdminApiKey: key,
            Connections: await DescribeAsync(connections, cancellationToken));

        await Infrastructure.OwnerOnlyFile.WriteAsync(passerelle.Value.DataDirectory, DemoFacts.FileName,
            JsonSerializer.Serialize(facts, DemoFacts.Json), cancellationToken);
        return facts;
    }

    /// <summary>
    /// The connection named <paramref name="spec"/>: on a first start a new SR credential and a new connection; on
    /// the next ones (the sandbox forgot everything) the stored credential is given back to the sandbox, so the
    /// connection, its jobs and its applications carry on.
    /// </summary>
    private async Task<ConnectionWithVerdict> OnboardAsync(DemoConnectionSpec spec, HttpClient sandbox, Uri sandboxUrl, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var service = scope.ServiceProvider.GetRequiredService<ConnectionService>();
        var existing = await db.Connections
            .Where(c => c.CreatedBy == Actor && c.DisplayName == spec.DisplayName && c.Status != ConnectionStatus.Disconnected && c.ProtectedSecret != null)
            .OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            var secret = scope.ServiceProvider.GetRequiredService<SecretProtector>().Unprotect(existing.ProtectedSecret!, existing.Id.ToString());
            await CreateCredentialAsync(sandbox, spec, existing.ClientId, secret, cancellationToken);
            if (existing.BaseUrl != sandboxUrl.AbsoluteUri)
            {
                // Port 0 gives the sandbox a new port each start: the connection follows it (the demo's own, never a customer's).
                existing.BaseUrl = sandboxUrl.AbsoluteUri;
                existing.Version++;
                await db.SaveChangesAsync(cancellationToken);
            }

            var tested = await service.TestAsync(existing.Id, Actor, cancellationToken)
                         ?? throw new DemoException($"The demo connection {existing.Id} vanished while being tested.");
            Log.Reconnected(logger, existing.Id, tested.Connection.Status);
            return tested;
        }

        var credential = await CreateCredentialAsync(sandbox, spec, clientId: null, secret: null, cancellationToken);
        var created = await service.CreateAsync(
            new ConnectionDraft(spec.DisplayName, CustomerName, CompanyIdentifier, credential.ClientId, credential.ClientSecret!, sandboxUrl, Tags: ["demo"]),
            Actor, cancellationToken);
        Log.Onboarded(logger, created.Connection.Id, created.Connection.Status);
        return created;
    }

    private static async Task<SandboxCredential> CreateCredentialAsync(HttpClient sandbox, DemoConnectionSpec spec, string? clientId, string? secret, CancellationToken cancellationToken)
    {
        using var response = await sandbox.PostAsJsonAsync("/_sandbox/credentials", new
        {
            company = CompanyIdentifier,
            name = Core.Connections.ConnectionService.CredentialName,
            systemRole = "Employee",
            scopes = spec.Scopes,
            clientId,
            clientSecret = secret,
        }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoException($"The demo sandbox refused to create the credential for '{spec.DisplayName}' ({(int)response.StatusCode}). Delete the data directory to start the demo afresh.");
        }

        return await response.Content.ReadFromJsonAsync<SandboxCredential>(cancellationToken)
               ?? throw new DemoException("The demo sandbox answered an empty credential.");
    }

    /// <summary>A full sync through the connection's lane, as "sync now" does, waited for with its progress in the log.</summary>
    private async Task SyncAsync(ConnectionId id, CancellationToken cancellationToken)
    {
        Guid runId;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var run = await scope.ServiceProvider.GetRequiredService<JobSync>().QueueAsync(id, SyncKind.Full, "demo", cancellationToken);
            runId = run.Id;
            await scope.ServiceProvider.GetRequiredService<ILaneWaker>().NudgeAsync(id);
        }

        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < SyncTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
            await using var scope = scopes.CreateAsyncScope();
            var run = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().SyncRuns.AsNoTracking()
                .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
            if (run is { State: SyncRunState.Finished })
            {
                Log.Synced(logger, id, run.Created + run.Updated, run.Complete, run.Error);
                return;
            }
        }

        Log.SyncSlow(logger, id, SyncTimeout);
    }

    /// <summary>A new admin key each start (the previous demo keys revoked): the facts file always holds one that works.</summary>
    private async Task<string> IssueAdminKeyAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var now = time.GetUtcNow();
        foreach (var previous in await db.ApiClients.Where(c => c.CreatedBy == Actor && c.RevokedAt == null).ToListAsync(cancellationToken))
        {
            previous.RevokedAt = now;
        }

        // Names are unique and revoked keys stay for the record: each start's key is named by its time.
        var (client, key) = ApiClient.Issue($"demo-admin {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}", ApiRole.Admin, Actor, now);
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    /// <summary>
    /// The first console password while it still works: the server wrote it at the first start, and it stays valid
    /// until the first sign-in changes it. Null afterwards (the password is then the one the user chose).
    /// </summary>
    private async Task<string?> AdminPasswordAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Set<ConsoleUser>().AsNoTracking()
            .SingleOrDefaultAsync(u => u.UserName == AdminUser, cancellationToken);
        var file = Path.Combine(passerelle.Value.DataDirectory, ConsoleExtensions.FirstAdminPasswordFile);
        return admin is { MustChangePassword: true } && File.Exists(file) ? (await File.ReadAllTextAsync(file, cancellationToken)).Trim() : null;
    }

    private async Task<IReadOnlyList<DemoConnectionFacts>> DescribeAsync(List<ConnectionWithVerdict> connections, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var facts = new List<DemoConnectionFacts>();
        foreach (var (onboarded, spec) in connections.Zip(Connections))
        {
            var id = onboarded.Connection.Id;
            var current = await db.Connections.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
            var open = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == id).WhereOpen().CountAsync(cancellationToken);
            facts.Add(new DemoConnectionFacts(id.Value, current.DisplayName, current.Status, spec.Scopes, open, current.AttentionDetail,
                [.. onboarded.Verdict.Warnings.Select(w => w.Problem)]));
        }

        return facts;
    }

    private sealed record SandboxCredential(string ClientId, string? ClientSecret)
    {
        public override string ToString() => $"SandboxCredential {{ ClientId = {ClientId} }}";
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo: connection {ConnectionId} onboarded ({Status})")]
        public static partial void Onboarded(ILogger logger, ConnectionId connectionId, ConnectionStatus status);

        [LoggerMessage(2, LogLevel.Information, "Demo: connection {ConnectionId} given back to the sandbox and tested ({Status})")]
        public static partial void Reconnected(ILogger logger, ConnectionId connectionId, ConnectionStatus status);

        [LoggerMessage(3, LogLevel.Information, "Demo: first sync of {ConnectionId} done: {Jobs} jobs created or updated, complete {Complete}, error {Error}")]
        public static partial void Synced(ILogger logger, ConnectionId connectionId, int jobs, bool complete, string? error);

        [LoggerMessage(4, LogLevel.Warning, "Demo: the first sync of {ConnectionId} did not finish within {Timeout}; it goes on in the background")]
        public static partial void SyncSlow(ILogger logger, ConnectionId connectionId, TimeSpan timeout);
    }
}
