using System.Security.Cryptography;
using System.Text;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Auth;

/// <summary>SR's OAuth 2.0 client-credentials token endpoint.</summary>
internal static class TokenEndpoints
{
    public static void MapTokenEndpoint(this IEndpointRouteBuilder sr) =>
        sr.MapPost("/identity/oauth/token", IssueAsync)
            .WithMetadata(new SrEndpoint("POST /identity/oauth/token", Scope: null, IsTokenEndpoint: true));

    private static async Task<IResult> IssueAsync(HttpContext http, SandboxState state)
    {
        var settings = state.Settings;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";

        if (!http.Request.HasFormContentType)
        {
            return Malformed(settings, "invalid_request", "Send the token request as application/x-www-form-urlencoded.");
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Malformed(settings, "invalid_request", "The form body could not be read.");
        }

        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0)
        {
            return Malformed(settings, "invalid_request", "grant_type is required.");
        }

        if (grantType != "client_credentials")
        {
            return Malformed(settings, "unsupported_grant_type", $"Grant type '{grantType}' is not supported: use client_credentials.");
        }

        var (clientId, secret, error) = SrAuthentication.ClientCredentials(http.Request, form);
        if (error is not null)
        {
            return Malformed(settings, "invalid_request", error);
        }

        lock (state.Gate)
        {
            if (clientId is null || secret is null
                || !state.Credentials.TryGetValue(clientId, out var credential)
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(credential.Secret)))
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"SmartRecruiters\"";
                return SrResults.Json(new TokenError { Error = "invalid_client", ErrorDescription = "Bad client credentials" },
                    SandboxJsonContext.Wire.TokenError, StatusCodes.Status401Unauthorized);
            }

            var now = state.Time.GetUtcNow();
            SweepExpiredTokens(state, now);
            var token = credential.TokenPrefix + SandboxState.RandomToken(32);
            state.Tokens[token] = new TokenRecord(credential.ClientId, now.AddSeconds(settings.TokenLifetimeSeconds));
            return SrResults.Json(new TokenResponse
            {
                AccessToken = token,
                TokenType = "bearer",
                ExpiresIn = settings.TokenLifetimeSeconds,
                Scope = settings.TokenScopeField ? string.Join(' ', credential.Scopes.Order(StringComparer.Ordinal)) : null,
            }, SandboxJsonContext.Wire.TokenResponse);
        }
    }

    /// <summary>SR once answered some bad token requests with <c>200 {}</c>; the quirk setting reproduces that.</summary>
    private static IResult Malformed(SandboxSettings settings, string error, string description) =>
        settings.EmptyTokenResponseQuirk
            ? SrResults.Json(new EmptyObject(), SandboxJsonContext.Wire.EmptyObject)
            : SrResults.Json(new TokenError { Error = error, ErrorDescription = description },
                SandboxJsonContext.Wire.TokenError, StatusCodes.Status400BadRequest);

    private static void SweepExpiredTokens(SandboxState state, DateTimeOffset now)
    {
        if (++state.TokensIssuedSinceSweep < 1000)
        {
            return;
        }

        state.TokensIssuedSinceSweep = 0;
        foreach (var expired in state.Tokens.Where(t => t.Value.ExpiresAt <= now).Select(t => t.Key).ToList())
        {
            state.Tokens.Remove(expired);
        }
    }
}
