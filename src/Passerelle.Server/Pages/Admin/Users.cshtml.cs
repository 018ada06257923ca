using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Passerelle.Core.Users;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Admin;

/// <summary>
/// Console users: create one (its one-time password shown in the answer only), change a role, disable or enable,
/// reset a password. An admin can neither disable nor demote themselves, so the console always keeps an admin.
/// </summary>
public sealed partial class UsersModel(ConsoleUsers users, Lang lang, TimeProvider time, Microsoft.Extensions.Options.IOptions<ConsoleOptions> options) : PageModel
{
    /// <summary>Offered when OpenID Connect is on: the user signs in through the provider only, with no password.</summary>
    public bool OidcEnabled => options.Value.Oidc.Enabled;

    [BindProperty]
    public bool SingleSignOn { get; set; }

    public const int MaxUserNameLength = 100;

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    public string? UserNameError { get; private set; }
    public string? RoleError { get; private set; }

    /// <summary>The user name and one-time password just issued, in this answer only.</summary>
    public (string UserName, string? Password, bool Reset)? Issued { get; private set; }

    public Guid? RowErrorId { get; private set; }
    public string? RowError { get; private set; }

    public IReadOnlyList<ConsoleUser> Users { get; private set; } = [];
    public Guid? Me => User.UserId();
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var name = UserName is null ? "" : ConsoleUsers.Normalize(UserName);
        if (!UserNamePattern().IsMatch(name))
        {
            UserNameError = lang.T($"2 to {MaxUserNameLength} characters: letters without accents, digits, and . _ - @ (e.g. “claire.martin”).",
                $"2 à {MaxUserNameLength} caractères : lettres sans accents, chiffres, et . _ - @ (par exemple « claire.martin »).");
        }

        var role = ParseRole(Role);
        if (role is null)
        {
            RoleError = lang.T("Choose a role.", "Choisissez un rôle.");
        }

        if (UserNameError is null && role is not null)
        {
            if (await users.CreateAsync(name, role.Value, User.Actor(), singleSignOnOnly: SingleSignOn && OidcEnabled, cancellationToken: cancellationToken) is { } created)
            {
                Issued = (created.User.UserName, created.OneTimePassword, false);
                UserName = null;
                Role = null;
                ModelState.Clear();
            }
            else
            {
                UserNameError = lang.T($"A user is already named “{name}”.", $"Un utilisateur s'appelle déjà « {name} ».");
            }
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostRoleAsync(Guid id, string? newRole, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(id, cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (ParseRole(newRole) is not { } role)
        {
            return await RowProblemAsync(id, lang.T("Choose a role.", "Choisissez un rôle."), cancellationToken);
        }

        if (id == Me && role != ConsoleRole.Admin)
        {
            return await RowProblemAsync(id, lang.T("You cannot take the admin role from yourself: another admin must do it, so that the console always keeps one.",
                "Vous ne pouvez pas vous retirer le rôle d'administrateur : un autre administrateur doit le faire, pour que la console en garde toujours un."), cancellationToken);
        }

        await users.UpdateAsync(id, role, disabled: null, cancellationToken);
        TempData["Flash"] = lang.T($"“{user.UserName}” is now {RoleName(role)}; their sessions have ended.", $"« {user.UserName} » est désormais {RoleName(role)} ; ses sessions sont closes.");
        return RedirectToPage();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostDisableAsync(Guid id, bool confirm, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(id, cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (id == Me)
        {
            return await RowProblemAsync(id, lang.T("You cannot disable your own account: another admin must do it, so that the console always keeps an admin.",
                "Vous ne pouvez pas désactiver votre propre compte : un autre administrateur doit le faire, pour que la console en garde toujours un."), cancellationToken);
        }

        if (!confirm)
        {
            return await RowProblemAsync(id, lang.T("Tick the box to confirm: their sessions end at once.", "Cochez la case pour confirmer : ses sessions sont closes aussitôt."), cancellationToken);
        }

        await users.UpdateAsync(id, role: null, disabled: true, cancellationToken);
        TempData["Flash"] = lang.T($"“{user.UserName}” is disabled.", $"« {user.UserName} » est désactivé.");
        return RedirectToPage();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostEnableAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await users.UpdateAsync(id, role: null, disabled: false, cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        TempData["Flash"] = lang.T($"“{user.UserName}” is enabled again.", $"« {user.UserName} » est réactivé.");
        return RedirectToPage();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostResetAsync(Guid id, bool confirm, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(id, cancellationToken);
        if (user is null)
        {
            return NotFound();
        }

        if (!confirm)
        {
            return await RowProblemAsync(id, lang.T("Tick the box to confirm: their current password stops working and their sessions end.",
                "Cochez la case pour confirmer : son mot de passe actuel ne fonctionnera plus et ses sessions seront closes."), cancellationToken);
        }

        var password = await users.ResetPasswordAsync(id, cancellationToken);
        if (password is null)
        {
            return NotFound();
        }

        // Shown in this answer only, never through a redirect.
        Issued = (user.UserName, password, true);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public string RoleName(ConsoleRole role) => role switch
    {
        ConsoleRole.Admin => lang.T("admin", "administrateur"),
        ConsoleRole.AccountManager => lang.T("account manager", "chargé de compte"),
        _ => lang.T("viewer", "lecteur"),
    };

    private static ConsoleRole? ParseRole(string? role) =>
        Enum.TryParse<ConsoleRole>(role, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(role, out _) ? parsed : null;

    private async Task<IActionResult> RowProblemAsync(Guid id, string error, CancellationToken cancellationToken)
    {
        RowErrorId = id;
        RowError = error;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Users = await users.ListAsync(cancellationToken);
        Now = time.GetUtcNow();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{1,99}$")]
    private static partial Regex UserNamePattern();
}
