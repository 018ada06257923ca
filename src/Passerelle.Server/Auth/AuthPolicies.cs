using System.Security.Claims;

namespace Passerelle.Server.Auth;

internal static class AuthPolicies
{
    public const string Admin = "admin";
    public const string Platform = "platform";

    /// <summary>A key restricted to some connections sees the others as nonexistent (404), never as forbidden.</summary>
    public static bool MayTouch(this ClaimsPrincipal user, Guid connectionId)
    {
        var allowed = user.FindAll(ApiKeyAuthenticationHandler.ConnectionClaim).Select(c => c.Value).ToList();
        return allowed.Count == 0 || allowed.Contains(connectionId.ToString());
    }
}
