using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Passerelle.Core.Users;

namespace Passerelle.Server.Ui;

/// <summary>
/// The console's sessions: a cookie scheme of its own, separate from API keys, so that a browser session can never
/// call the API and an API key can never open a page. Roles are claims of the cookie's principal; every request checks
/// the user's security stamp, so a password change, a new role or disabling ends the sessions at once.
/// </summary>
public static class ConsoleAuth
{
    public const string Scheme = "Console";
    public const string CookieName = ".Passerelle.Console";
    public const string UserIdClaim = "passerelle:user";
    public const string StampClaim = "passerelle:stamp";
    public const string MustChangePasswordClaim = "passerelle:must-change-password";

    /// <summary>Policies by the least role they need.</summary>
    public const string ViewerPolicy = "console-viewer";
    public const string ManagerPolicy = "console-account-manager";
    public const string AdminPolicy = "console-admin";

    /// <summary>The role claim's value for <paramref name="role"/>: prefixed, so it never matches an API key's role.</summary>
    public static string RoleClaimValue(ConsoleRole role) => "console:" + role;

    public static ClaimsPrincipal Principal(ConsoleUser user) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, user.UserName),
        new Claim(UserIdClaim, user.Id.ToString()),
        new Claim(StampClaim, user.SecurityStamp.ToString(CultureInfo.InvariantCulture)),
        new Claim(ClaimTypes.Role, RoleClaimValue(user.Role)),
        .. user.MustChangePassword ? [new Claim(MustChangePasswordClaim, "true")] : Array.Empty<Claim>(),
    ], Scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static Guid? UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(UserIdClaim), out var id) ? id : null;

    public static ConsoleRole? ConsoleRoleOf(this ClaimsPrincipal user) =>
        Enum.GetValues<ConsoleRole>().Cast<ConsoleRole?>().LastOrDefault(r => user.IsInRole(RoleClaimValue(r!.Value)));

    /// <summary>At least <paramref name="role"/> (Admin ⊃ AccountManager ⊃ Viewer).</summary>
    public static bool HasAtLeast(this ClaimsPrincipal user, ConsoleRole role) => user.ConsoleRoleOf() is { } held && held >= role;

    /// <summary>How audit lines name a console user.</summary>
    public static string Actor(this ClaimsPrincipal user)
    {
        var actor = "user:" + (user.Identity?.Name ?? "unknown");
        return actor.Length <= 200 ? actor : actor[..200];
    }

    internal static void AddPolicies(Microsoft.AspNetCore.Authorization.AuthorizationBuilder builder)
    {
        void Policy(string name, ConsoleRole least) => builder.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.HasAtLeast(least)));
        Policy(ViewerPolicy, ConsoleRole.Viewer);
        Policy(ManagerPolicy, ConsoleRole.AccountManager);
        Policy(AdminPolicy, ConsoleRole.Admin);
    }

    internal static void ConfigureCookie(CookieAuthenticationOptions cookie, ConsoleOptions options)
    {
        cookie.Cookie.Name = CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.SecurePolicy = options.SecureCookies;
        cookie.Cookie.IsEssential = true;
        cookie.ExpireTimeSpan = options.SessionLifetime;
        cookie.SlidingExpiration = true;
        cookie.LoginPath = "/account/sign-in";
        cookie.LogoutPath = "/account/sign-out";
        cookie.AccessDeniedPath = "/account/denied";
        cookie.ReturnUrlParameter = "returnUrl";
        cookie.Events.OnValidatePrincipal = ValidateAsync;
    }

    /// <summary>The session holds while its user exists, is enabled and keeps the stamp it was issued with.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal?.UserId() is not { } id)
        {
            context.RejectPrincipal();
            return;
        }

        var users = context.HttpContext.RequestServices.GetRequiredService<ConsoleUsers>();
        var user = await users.FindAsync(id, context.HttpContext.RequestAborted);
        if (user is null || user.DisabledAt is not null
            || principal.FindFirstValue(StampClaim) != user.SecurityStamp.ToString(CultureInfo.InvariantCulture))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}

/// <summary>
/// A page handler that needs more than the page's own policy: <c>[RequiresRole(ConsoleRole.AccountManager)]</c> on
/// <c>OnPostRetryAsync</c> lets a viewer see the page but not act on it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresRoleAttribute(ConsoleRole role) : Attribute
{
    public ConsoleRole Role { get; } = role;
}

/// <summary>Enforces <see cref="RequiresRoleAttribute"/>, and sends a user with a one-time password to choose their own first.</summary>
internal sealed class ConsolePageFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        // A POST (or PUT…) that names no handler of the page would render it without its data: 405, not a crash.
        if (context.HandlerMethod is null && !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method))
        {
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
            return;
        }

        var user = context.HttpContext.User;
        var signedIn = user.Identity?.IsAuthenticated == true && user.Identity.AuthenticationType == ConsoleAuth.Scheme;
        var page = context.ActionDescriptor.ViewEnginePath;
        if (signedIn && user.HasClaim(c => c.Type == ConsoleAuth.MustChangePasswordClaim)
            && !page.StartsWith("/Account/", StringComparison.Ordinal) && !page.StartsWith("/Careers/", StringComparison.Ordinal))
        {
            context.Result = new RedirectToPageResult("/Account/Password");
            return;
        }

        if (context.HandlerMethod?.MethodInfo.GetCustomAttributes(typeof(RequiresRoleAttribute), inherit: true) is [RequiresRoleAttribute required, ..]
            && !user.HasAtLeast(required.Role))
        {
            context.Result = signedIn ? new ForbidResult(ConsoleAuth.Scheme) : new ChallengeResult(ConsoleAuth.Scheme);
            return;
        }

        await next();
    }
}
