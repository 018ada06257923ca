using System.Security.Cryptography;
using System.Text;

namespace Passerelle.Core.ApiClients;

/// <summary>What an API key may do.</summary>
public enum ApiRole
{
    /// <summary>Manage connections and keys.</summary>
    Admin,

    /// <summary>The Hippolyte-rh platform: read jobs, submit applications.</summary>
    Platform,
}

/// <summary>
/// A caller of the REST API. Its key is shown once at creation and stored only as a SHA-256 hash (keys are 256
/// random bits, so a fast hash is enough), found by a short non-secret prefix.
/// </summary>
public sealed class ApiClient
{
    public const string KeyScheme = "psl_";

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string KeyPrefix { get; init; }
    public required string KeyHash { get; init; }
    public ApiRole Role { get; set; }

    /// <summary>Connections this client may touch; empty means all.</summary>
    public List<Guid> AllowedConnections { get; set; } = [];

    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>A new key and its client. The key is returned once and never stored.</summary>
    public static (ApiClient Client, string Key) Issue(string name, ApiRole role, string createdBy, DateTimeOffset now, IEnumerable<Guid>? allowedConnections = null)
    {
        var key = KeyScheme + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (new ApiClient
        {
            Name = name,
            KeyPrefix = PrefixOf(key),
            KeyHash = Hash(key),
            Role = role,
            AllowedConnections = [.. allowedConnections ?? []],
            CreatedAt = now,
            CreatedBy = createdBy,
        }, key);
    }

    public static string PrefixOf(string key) => key.Length >= 12 ? key[..12] : key;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Constant-time comparison of a presented key with the stored hash.</summary>
    public bool Matches(string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(KeyHash));

    public bool MayTouch(Guid connectionId) => AllowedConnections.Count == 0 || AllowedConnections.Contains(connectionId);
}
