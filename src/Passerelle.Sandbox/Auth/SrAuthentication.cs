using System.Text;
using Passerelle.Sandbox.State;

namespace Passerelle.Sandbox.Auth;

/// <summary>Who is calling: a credential through its bearer token, or a company through its all-access API key.</summary>
internal sealed record SrCaller(string Key, string Company, Credential? Credential)
{
    public bool IsApiKey => Credential is null;
}

internal static class SrAuthentication
{
    public const string ApiKeyHeader = "X-SmartToken";

    /// <summary>The caller of a Customer API request, or null when the token is missing, unknown or expired.</summary>
    public static SrCaller? Authenticate(SandboxState state, HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var now = state.Time.GetUtcNow();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization["Bearer ".Length..].Trim();
            lock (state.Gate)
            {
                return state.Tokens.TryGetValue(token, out var record)
                       && record.ExpiresAt > now
                       && state.Credentials.TryGetValue(record.ClientId, out var credential)
                    ? new SrCaller(credential.ClientId, credential.Company, credential)
                    : null;
            }
        }

        var apiKey = request.Headers[ApiKeyHeader].ToString();
        if (apiKey.Length > 0)
        {
            lock (state.Gate)
            {
                var company = state.Companies.Values.FirstOrDefault(c => c.ApiKey == apiKey);
                return company is null ? null : new SrCaller("apikey:" + company.Identifier, company.Identifier, null);
            }
        }

        return null;
    }

    /// <summary>
    /// The client id and secret of a token request, from HTTP Basic (RFC 6749 §2.3.1: form-encoded, then base64) or
    /// from the form body. Both at once must agree.
    /// </summary>
    public static (string? ClientId, string? Secret, string? Error) ClientCredentials(HttpRequest request, IFormCollection? form)
    {
        string? basicId = null, basicSecret = null;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    return (null, null, "The Basic authorization header must hold client_id:client_secret.");
                }

                basicId = FormDecode(decoded[..colon]);
                basicSecret = FormDecode(decoded[(colon + 1)..]);
            }
            catch (FormatException)
            {
                return (null, null, "The Basic authorization header is not valid base64.");
            }
        }

        var formId = form?["client_id"].ToString();
        var formSecret = form?["client_secret"].ToString();
        if (basicId is not null && !string.IsNullOrEmpty(formId) && formId != basicId)
        {
            return (null, null, "client_id in the body and in the Basic header disagree.");
        }

        return (basicId ?? NullIfEmpty(formId), basicSecret ?? NullIfEmpty(formSecret), null);
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
