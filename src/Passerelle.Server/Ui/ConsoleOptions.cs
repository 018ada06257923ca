using Passerelle.Core.Users;

namespace Passerelle.Server.Ui;

/// <summary>The account managers' console (section <c>Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>The zone in which the console shows times. Default <c>Europe/Paris</c>.</summary>
    public string TimeZone { get; set; } = "Europe/Paris";

    /// <summary>How long a session lasts without use (sliding). Default 8 hours.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// <c>Always</c> marks the session cookie Secure whatever the request; <c>SameAsRequest</c> (the default) marks it
    /// Secure over HTTPS only, so the demo works on http://127.0.0.1. Behind a TLS proxy, set forwarded headers or Always.
    /// </summary>
    public Microsoft.AspNetCore.Http.CookieSecurePolicy SecureCookies { get; set; } = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;

    /// <summary>Optional sign-in through an OpenID Connect provider (Hippolyte-rh's own); off unless <c>Authority</c> is set.</summary>
    public OidcOptions Oidc { get; set; } = new();

    public TimeZoneInfo TimeZoneInfo() => System.TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary><c>Console:Oidc</c>: an OpenID Connect provider for staff sign-in (authorization code flow with PKCE).</summary>
public sealed class OidcOptions
{
    /// <summary>The issuer URL, e.g. <c>https://login.hippolyte-rh.fr/realms/staff</c>. Empty: OpenID Connect is off.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>The claim that gives the console user name. Default <c>preferred_username</c>.</summary>
    public string UserNameClaim { get; set; } = "preferred_username";

    /// <summary>
    /// The role of a person the provider knows but the console does not yet: empty (the default) lets only users an
    /// admin created sign in; <c>Viewer</c> or <c>AccountManager</c> creates them on their first sign-in.
    /// </summary>
    public ConsoleRole? DefaultRole { get; set; }

    /// <summary>What the sign-in button says, e.g. "Hippolyte-rh". Default "single sign-on".</summary>
    public string DisplayName { get; set; } = "single sign-on";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>The demo career pages (section <c>Careers</c>).</summary>
public sealed class CareersOptions
{
    public const string SectionName = "Careers";

    /// <summary>Serve <c>/careers/{connection}</c>. Default false; on in the demo.</summary>
    public bool Enabled { get; set; }
}
