using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Passerelle.Core.Webhooks;

/// <summary>
/// The <c>Passerelle-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;lowercase hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>.
/// The timestamp is signed with the body, so a receiver that checks it against its clock refuses an old request
/// replayed by someone who captured it.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Passerelle-Signature";

    /// <summary>How far a receiver should accept a timestamp from its own clock (either way): 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>A new signing secret: 32 random bytes, prefixed so that it is recognisable in a secret store.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Create(string secret, long unixSeconds, ReadOnlySpan<byte> body) =>
        $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, unixSeconds, body))}";

    /// <summary>
    /// The receiver's check: a well-formed header, a timestamp within <paramref name="tolerance"/> of
    /// <paramref name="now"/>, and a <c>v1</c> that matches the body (compared in constant time).
    /// </summary>
    public static bool Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        long? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64)
            {
                try
                {
                    candidates.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    return false;
                }
            }
        }

        if (timestamp is not { } signedAt || candidates.Count == 0
            || Math.Abs(now.ToUnixTimeSeconds() - signedAt) > (long)tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Mac(secret, signedAt, body);
        var match = false;
        foreach (var candidate in candidates)
        {
            match |= CryptographicOperations.FixedTimeEquals(candidate, expected);
        }

        return match;
    }

    private static byte[] Mac(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
