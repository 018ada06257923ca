using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Passerelle.Core.Users;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Account;

/// <summary>A user's own password. Changing it ends every other session (new security stamp) and renews this one.</summary>
public sealed class PasswordModel(ConsoleUsers users, Lang lang) : PageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? Next { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    public string? CurrentError { get; private set; }
    public string? NextError { get; private set; }
    public string? ConfirmError { get; private set; }
    public bool MustChange => User.HasClaim(c => c.Type == ConsoleAuth.MustChangePasswordClaim);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Current))
        {
            CurrentError = lang.T("Enter your current password.", "Saisissez votre mot de passe actuel.");
        }

        if (string.IsNullOrEmpty(Next))
        {
            NextError = lang.T("Choose a new password.", "Choisissez un nouveau mot de passe.");
        }
        else if (Next != Confirm)
        {
            ConfirmError = lang.T("The two new passwords differ.", "Les deux nouveaux mots de passe diffèrent.");
        }

        if (CurrentError is not null || NextError is not null || ConfirmError is not null || User.UserId() is not { } id)
        {
            return Page();
        }

        switch (await users.ChangePasswordAsync(id, Current!, Next!, cancellationToken))
        {
            case PasswordProblem.None:
                var user = (await users.FindAsync(id, cancellationToken))!;
                await HttpContext.SignInAsync(ConsoleAuth.Scheme, ConsoleAuth.Principal(user));
                TempData["Flash"] = lang.T("Your password was changed.", "Votre mot de passe a été changé.");
                return Redirect("/connections");
            case PasswordProblem.WrongCurrent:
                CurrentError = lang.T("This is not your current password.", "Ce n'est pas votre mot de passe actuel.");
                break;
            case PasswordProblem.TooShort:
                NextError = lang.T($"At least {ConsoleUsers.MinPasswordLength} characters.", $"Au moins {ConsoleUsers.MinPasswordLength} caractères.");
                break;
            case PasswordProblem.TooLong:
                NextError = lang.T($"At most {ConsoleUsers.MaxPasswordLength} characters.", $"Au plus {ConsoleUsers.MaxPasswordLength} caractères.");
                break;
            case PasswordProblem.SameAsUserName:
                NextError = lang.T("Not your user name.", "Pas votre identifiant.");
                break;
            case PasswordProblem.SameAsCurrent:
                NextError = lang.T("Choose a password other than the current one.", "Choisissez un mot de passe différent de l'actuel.");
                break;
        }

        return Page();
    }
}
