using System.Text.RegularExpressions;
using Passerelle.Core.Connections;

namespace Passerelle.Server.Connections;

/// <summary>
/// What a connection's fields may hold and when a sync may be asked for: one set of rules for the API and the
/// console, each of which words the refusal for its own reader.
/// </summary>
internal static partial class ConnectionRules
{
    /// <summary>The reason stored when an account manager gives none; the console shows it translated.</summary>
    public const string DefaultDisconnectReason = "Disconnected by an account manager.";

    public const int MaxName = 200;
    public const int MaxClientId = 200;
    public const int MaxSecret = 500;
    public const int MaxSourceId = 100;
    public const int MaxReason = 500;
    public const int MaxTags = 20;
    public const int MaxTag = 100;
    public const int MaxBaseUrl = 500;

    /// <summary>Letters, digits, '-' or '_', 1 to 100 (SR's company identifiers).</summary>
    public static bool IsCompanyIdentifier(string? value) => !string.IsNullOrWhiteSpace(value) && CompanyIdentifierPattern().IsMatch(value.Trim());

    /// <summary>The client secret travels to this URL: HTTPS only, except to this machine (a local sandbox).</summary>
    public static bool IsAllowedBaseUrl(string value) =>
        value.Length <= MaxBaseUrl && Uri.TryCreate(value, UriKind.Absolute, out var baseUrl) && baseUrl.Query.Length == 0
        && (baseUrl.Scheme == "https" || (baseUrl.Scheme == "http" && baseUrl.IsLoopback));

    public static bool AreValidTags(IReadOnlyCollection<string> tags) => tags.Count <= MaxTags && !tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > MaxTag);

    /// <summary>Zero clears the override; otherwise at least a minute, so that one connection cannot monopolise its lane's budget.</summary>
    public static bool IsValidSyncInterval(TimeSpan interval) => interval == TimeSpan.Zero || (interval >= TimeSpan.FromMinutes(1) && interval <= TimeSpan.FromDays(1));

    public static bool IsValidFullSyncInterval(TimeSpan interval) => interval == TimeSpan.Zero || (interval >= TimeSpan.FromMinutes(5) && interval <= TimeSpan.FromDays(7));

    /// <summary>Why "sync now" would do nothing for this connection, or null when it may be queued.</summary>
    public static SyncRefusal? RefuseSync(Connection connection) => connection switch
    {
        { Status: ConnectionStatus.Disconnected } or { ProtectedSecret: null } => SyncRefusal.Disconnected,
        { Status: ConnectionStatus.Pending } => SyncRefusal.Pending,
        { Status: ConnectionStatus.NeedsAttention, AttentionReason: not AttentionReason.Unreachable } => SyncRefusal.NeedsAttention,
        _ => null,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex CompanyIdentifierPattern();
}

internal enum SyncRefusal
{
    Disconnected,
    Pending,
    NeedsAttention,
}
