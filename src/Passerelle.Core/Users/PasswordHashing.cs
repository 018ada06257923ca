using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Passerelle.Core.Users;

/// <summary>
/// PBKDF2-HMAC-SHA512 with a 128-bit random salt, at OWASP's recommended 210,000 iterations. The iteration count is
/// part of the stored value, so it can be raised later: a hash with fewer iterations is re-hashed at the next sign-in.
/// Format: <c>pbkdf2-sha512$iterations$salt$hash</c> (base64).
/// </summary>
public static class PasswordHashing
{
    public const int Iterations = 210_000;
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Join('$', Scheme, Iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Whether <paramref name="password"/> matches; <paramref name="needsRehash"/> when the stored hash is weaker than today's.</summary>
    public static bool Verify(string password, string stored, out bool needsRehash)
    {
        needsRehash = false;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        var matches = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = matches && iterations < Iterations;
        return matches;
    }

    /// <summary>A random password for a one-time use (first admin, a reset): 20 characters from an unambiguous alphabet.</summary>
    public static string NewOneTimePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }
}
