using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Passerelle.Core.Users;
using Passerelle.Server.Auth;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Account;

/// <summary>
/// Sign-in with a user name and password. A wrong name and a wrong password get the same answer; five failures in a
/// row lock the account for 15 minutes, and repeated failures from one address are throttled as for API keys.
/// </summary>
public sealed class SignInModel(ConsoleUsers users, Lang lang, IOptions<ConsoleOptions> options, FailedAuthLimiter limiter, TimeProvider time) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }
    public string? UserNameError { get; private set; }
    public string? PasswordError { get; private set; }
    public bool OidcEnabled => options.Value.Oidc.Enabled;
    public string OidcName => options.Value.Oidc.DisplayName;

    public void OnGet(string? external)
    {
        if (external == "failed")
        {
            Error = lang.T("Single sign-on did not let you in: your account may not exist in the console yet. Ask an admin.",
                "L'authentification unique ne vous a pas laissé entrer : votre compte n'existe peut-être pas encore dans la console. Demandez à un administrateur.");
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(UserName))
        {
            UserNameError = lang.T("Enter your user name.", "Saisissez votre identifiant.");
        }

        if (string.IsNullOrEmpty(Password))
        {
            PasswordError = lang.T("Enter your password.", "Saisissez votre mot de passe.");
        }

        if (UserNameError is not null || PasswordError is not null)
        {
            return Page();
        }

        if (UserName!.Length > ConsoleUsers.MaxPasswordLength || Password!.Length > ConsoleUsers.MaxPasswordLength)
        {
            Error = lang.T("Wrong user name or password.", "Identifiant ou mot de passe incorrect.");
            return Page();
        }

        var address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.IsBlocked(address, time.GetUtcNow(), out var wait))
        {
            Error = lang.T($"Too many failed sign-ins from this computer: wait {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} seconds and try again.",
                $"Trop d'échecs de connexion depuis cet ordinateur : attendez {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} secondes et réessayez.");
            return Page();
        }

        var result = await users.SignInAsync(UserName, Password, cancellationToken);
        switch (result.Kind)
        {
            case SignInResultKind.SignedIn:
                await HttpContext.SignInAsync(ConsoleAuth.Scheme, ConsoleAuth.Principal(result.User!), new AuthenticationProperties { IsPersistent = false });
                return result.User!.MustChangePassword ? RedirectToPage("/Account/Password") : LocalRedirect(LocalUrl.OrElse(ReturnUrl, "/connections"));
            case SignInResultKind.LockedOut:
                limiter.Failed(address, time.GetUtcNow());
                Error = lang.T($"This account is locked after repeated failed sign-ins, until {lang.DateTime(result.LockedUntil)}. Wait, or ask an admin for a new password.",
                    $"Ce compte est verrouillé après plusieurs échecs de connexion, jusqu'à {lang.DateTime(result.LockedUntil)}. Patientez, ou demandez un nouveau mot de passe à un administrateur.");
                return Page();
            case SignInResultKind.Disabled:
                Error = lang.T("This account is disabled. Ask an admin.", "Ce compte est désactivé. Adressez-vous à un administrateur.");
                return Page();
            default:
                limiter.Failed(address, time.GetUtcNow());
                Error = lang.T("Wrong user name or password.", "Identifiant ou mot de passe incorrect.");
                return Page();
        }
    }

    public IActionResult OnPostExternal() => OidcEnabled
        ? Challenge(new AuthenticationProperties { RedirectUri = LocalUrl.OrElse(ReturnUrl, "/connections") }, OpenIdConnectDefaults.AuthenticationScheme)
        : RedirectToPage();
}
