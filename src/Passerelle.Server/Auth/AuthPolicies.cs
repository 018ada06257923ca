using System.Security.Claims;

namespace Passerelle.Server.Auth;

internal static class AuthPolicies
{
    public const string Admin = "admin";

    /// <summary>An admin key not restricted to some connections: only it may create connections and manage keys.</summary>
    public const string UnrestrictedAdmin = "admin-unrestricted";
    public const string Platform = "platform";

    /// <summary>A key restricted to some connections sees the others as nonexistent (404), never as forbidden.</summary>
    public static bool IsRestricted(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ApiKeyAuthenticationHandler.ConnectionClaim);

    public static bool MayTouch(this ClaimsPrincipal user, Guid connectionId)
    {
        var allowed = user.FindAll(ApiKeyAuthenticationHandler.ConnectionClaim).Select(c => c.Value).ToList();
        return allowed.Count == 0 || allowed.Contains(connectionId.ToString());
    }
}
