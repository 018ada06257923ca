using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;

namespace Passerelle.Core.Connections;

/// <summary>What an account manager gives to finalise a connection.</summary>
public sealed record ConnectionDraft(
    string DisplayName,
    string CustomerName,
    string CompanyIdentifier,
    string ClientId,
    string ClientSecret,
    Uri BaseUrl,
    IReadOnlyList<string>? Tags = null,
    string? SourceTypeId = null,
    string? SourceSubTypeId = null,
    string? SourceId = null)
{
    // The secret must never be printed.
    public override string ToString() => $"ConnectionDraft {{ DisplayName = {DisplayName}, ClientId = {ClientId}, BaseUrl = {BaseUrl} }}";
}

/// <summary>Settings an account manager may change; null leaves a field as it is ("" clears a source id).</summary>
public sealed record ConnectionSettings(
    string? DisplayName = null, string? CustomerName = null, IReadOnlyList<string>? Tags = null,
    string? SourceTypeId = null, string? SourceSubTypeId = null, string? SourceId = null,
    TimeSpan? SyncInterval = null, TimeSpan? FullSyncInterval = null, Applications.DeliveryMode? DeliveryMode = null);

/// <summary>A connection and the verdict of its latest probe.</summary>
public sealed record ConnectionWithVerdict(Connection Connection, ConnectionVerdict Verdict);

/// <summary>The outcome of a secret rotation: applied, or refused with the verdict that explains why.</summary>
public sealed record RotationResult(bool Applied, ConnectionVerdict Verdict);

/// <summary>
/// Onboarding and upkeep of connections: every change probes SR first, stores the verdict, and writes an audit line.
/// The secret is protected before it is stored and never leaves this class in clear.
/// </summary>
public sealed class ConnectionService(PasserelleDbContext db, SmartRecruitersClient sr, SecretProtector secrets, TimeProvider time)
{
    /// <summary>The name customers give the credential in SR, used in remedies.</summary>
    public const string CredentialName = "OAuth Hippolyte-rh";

    public async Task<ConnectionWithVerdict> CreateAsync(ConnectionDraft draft, string actor, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var connection = new Connection
        {
            DisplayName = draft.DisplayName.Trim(),
            CustomerName = draft.CustomerName.Trim(),
            CompanyIdentifier = draft.CompanyIdentifier.Trim(),
            ClientId = draft.ClientId.Trim(),
            BaseUrl = draft.BaseUrl.AbsoluteUri,
            ProtectedSecret = secrets.Protect(draft.ClientSecret),
            Tags = [.. draft.Tags ?? []],
            SourceTypeId = draft.SourceTypeId,
            SourceSubTypeId = draft.SourceSubTypeId,
            SourceId = draft.SourceId,
            CreatedAt = now,
            CreatedBy = actor,
            UpdatedAt = now,
            UpdatedBy = actor,
        };

        var verdict = await ProbeAsync(connection, draft.ClientSecret, cancellationToken);
        Apply(connection, verdict);
        db.Connections.Add(connection);
        db.ConnectionAudit.Add(Audit(connection, actor, "created", Summary(verdict)));
        await db.SaveChangesAsync(cancellationToken);
        return new ConnectionWithVerdict(connection, verdict);
    }

    /// <summary>Probes again with the stored secret and updates the status (e.g. after the customer fixed a scope).</summary>
    public async Task<ConnectionWithVerdict?> TestAsync(ConnectionId id, string actor, CancellationToken cancellationToken = default)
    {
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null || connection.Status == ConnectionStatus.Disconnected || connection.ProtectedSecret is null)
        {
            return null;
        }

        var verdict = await ProbeAsync(connection, secrets.Unprotect(connection.ProtectedSecret, connection.Id.ToString()), cancellationToken);
        Apply(connection, verdict);
        Touch(connection, actor);
        db.ConnectionAudit.Add(Audit(connection, actor, "tested", Summary(verdict)));
        await db.SaveChangesAsync(cancellationToken);
        return new ConnectionWithVerdict(connection, verdict);
    }

    /// <summary>
    /// Verifies the new secret before it replaces the old one. A refused secret changes nothing (the connection keeps
    /// working with the old one) and the verdict says why.
    /// </summary>
    public async Task<RotationResult?> RotateSecretAsync(ConnectionId id, string newSecret, string actor, CancellationToken cancellationToken = default)
    {
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null || connection.Status == ConnectionStatus.Disconnected)
        {
            return null;
        }

        var verdict = await ProbeAsync(connection, newSecret, cancellationToken);
        if (verdict.Probe.Token != SmartRecruiters.Probing.SrTokenVerdict.Granted)
        {
            db.ConnectionAudit.Add(Audit(connection, actor, "secret_rotation_refused", Summary(verdict)));
            await db.SaveChangesAsync(cancellationToken);
            return new RotationResult(false, verdict);
        }

        connection.ProtectedSecret = secrets.Protect(newSecret);
        Apply(connection, verdict);
        Touch(connection, actor);
        db.ConnectionAudit.Add(Audit(connection, actor, "secret_rotated", Summary(verdict)));
        await db.SaveChangesAsync(cancellationToken);
        sr.Forget(Credential(connection, newSecret));
        return new RotationResult(true, verdict);
    }

    /// <summary>Changes what describes a connection (not its credential); the audit line names the fields changed.</summary>
    public async Task<Connection?> UpdateSettingsAsync(ConnectionId id, ConnectionSettings settings, string actor, CancellationToken cancellationToken = default)
    {
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null)
        {
            return null;
        }

        var changed = new List<string>();
        void Set<T>(string field, T? value, T current, Action<T> apply)
        {
            if (value is not null && !EqualityComparer<T>.Default.Equals(value, current))
            {
                apply(value);
                changed.Add(field);
            }
        }

        Set("displayName", settings.DisplayName?.Trim(), connection.DisplayName, v => connection.DisplayName = v);
        Set("customerName", settings.CustomerName?.Trim(), connection.CustomerName, v => connection.CustomerName = v);
        Set("sourceTypeId", settings.SourceTypeId, connection.SourceTypeId ?? "", v => connection.SourceTypeId = v.Length == 0 ? null : v);
        Set("sourceSubTypeId", settings.SourceSubTypeId, connection.SourceSubTypeId ?? "", v => connection.SourceSubTypeId = v.Length == 0 ? null : v);
        Set("sourceId", settings.SourceId, connection.SourceId ?? "", v => connection.SourceId = v.Length == 0 ? null : v);
        // TimeSpan.Zero clears an override (back to the Sync section's default).
        Set("syncInterval", settings.SyncInterval, connection.SyncInterval ?? TimeSpan.Zero, v => connection.SyncInterval = v == TimeSpan.Zero ? null : v);
        Set("fullSyncInterval", settings.FullSyncInterval, connection.FullSyncInterval ?? TimeSpan.Zero, v => connection.FullSyncInterval = v == TimeSpan.Zero ? null : v);
        if (settings.DeliveryMode is { } mode && mode != connection.DeliveryMode)
        {
            connection.DeliveryMode = mode;
            changed.Add("deliveryMode");
        }

        if (settings.Tags is { } tags && !tags.SequenceEqual(connection.Tags))
        {
            connection.Tags = [.. tags];
            changed.Add("tags");
        }

        if (changed.Count > 0)
        {
            connection.Version++;
            Touch(connection, actor);
            db.ConnectionAudit.Add(Audit(connection, actor, "settings_changed", string.Join(", ", changed)));
            await db.SaveChangesAsync(cancellationToken);
        }

        return connection;
    }

    /// <summary>Erases the secret and keeps the connection for history.</summary>
    public async Task<Connection?> DisconnectAsync(ConnectionId id, string reason, string actor, CancellationToken cancellationToken = default)
    {
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null)
        {
            return null;
        }

        if (connection.Status != ConnectionStatus.Disconnected)
        {
            connection.ProtectedSecret = null;
            connection.Status = ConnectionStatus.Disconnected;
            connection.AttentionReason = null;
            connection.AttentionDetail = reason;
            Touch(connection, actor);
            db.ConnectionAudit.Add(Audit(connection, actor, "disconnected", reason));
            await db.SaveChangesAsync(cancellationToken);
        }

        return connection;
    }

    public Task<List<ConnectionAudit>> AuditAsync(ConnectionId id, CancellationToken cancellationToken = default) =>
        db.ConnectionAudit.Where(a => a.ConnectionId == id).OrderBy(a => a.At).ThenBy(a => a.Id).ToListAsync(cancellationToken);

    private async Task<ConnectionVerdict> ProbeAsync(Connection connection, string secret, CancellationToken cancellationToken)
    {
        var probe = await sr.ProbeAsync(Credential(connection, secret), connection.CompanyIdentifier, cancellationToken);
        return ConnectionVerdict.From(probe, CredentialName, connection.CompanyIdentifier, time.GetUtcNow());
    }

    private static SrCredential Credential(Connection connection, string secret) =>
        new(connection.Id.ToString(), new Uri(connection.BaseUrl), connection.ClientId, new InMemorySecret(secret));

    private static void Apply(Connection connection, ConnectionVerdict verdict)
    {
        connection.Status = verdict.Status;
        connection.AttentionReason = verdict.Reason;
        connection.AttentionDetail = verdict.Detail;
        connection.LastProbedAt = verdict.ProbedAt;
        connection.LastProbeJson = JsonSerializer.Serialize(new StoredProbe(
            verdict.Probe.Token.ToString(),
            verdict.Probe.RequiredScopes.ToDictionary(s => s.Key, s => s.Value.ToString()),
            [.. verdict.Probe.ExtraScopes.Select(e => e.Scope)],
            verdict.Probe.ApiAccess.ToString(),
            verdict.Probe.Company.ToString(),
            [.. verdict.Problems.Select(p => p.Code)],
            [.. verdict.Warnings.Select(w => w.Code)]), CoreJsonContext.Default.StoredProbe);
        connection.Version++;
    }

    private void Touch(Connection connection, string actor)
    {
        connection.UpdatedAt = time.GetUtcNow();
        connection.UpdatedBy = actor;
    }

    private ConnectionAudit Audit(Connection connection, string actor, string action, string? detail) => new()
    {
        ConnectionId = connection.Id,
        At = time.GetUtcNow(),
        Actor = actor,
        Action = action,
        Detail = detail,
    };

    private static string Summary(ConnectionVerdict verdict) =>
        $"{verdict.Status}{(verdict.Reason is { } reason ? $" ({reason})" : "")}; problems: {(verdict.Problems.Count == 0 ? "none" : string.Join(", ", verdict.Problems.Select(p => p.Code)))}; warnings: {(verdict.Warnings.Count == 0 ? "none" : string.Join(", ", verdict.Warnings.Select(w => w.Code)))}";
}

/// <summary>The probe verdict as stored on the connection (codes and verdicts only).</summary>
public sealed record StoredProbe(
    string Token,
    Dictionary<string, string> RequiredScopes,
    List<string> ExtraScopes,
    string ApiAccess,
    string Company,
    List<string> Problems,
    List<string> Warnings);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(StoredProbe))]
internal sealed partial class CoreJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
