using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Server.ApiKeys;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Admin;

/// <summary>
/// API keys: the list, a new key (shown once, in the answer to the POST itself: no redirect, so the key never rides in
/// a cookie), and revocation with a ticked confirmation. The rules are the API's (<see cref="ApiKeyRules"/>).
/// </summary>
public sealed class ApiKeysModel(PasserelleDbContext db, Lang lang, TimeProvider time) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    [BindProperty]
    public List<Guid> Connections { get; set; } = [];

    public string? NameError { get; private set; }
    public string? RoleError { get; private set; }
    public string? ConnectionsError { get; private set; }

    /// <summary>The new key, set only in the answer to its creation.</summary>
    public string? CreatedKey { get; private set; }
    public string? CreatedName { get; private set; }

    public Guid? RevokeFailedId { get; private set; }
    public string? RevokeError { get; private set; }

    public IReadOnlyList<ApiClient> Keys { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> ConnectionNames { get; private set; } = new Dictionary<Guid, string>();

    /// <summary>The connections a key may be restricted to, by name.</summary>
    public IReadOnlyList<KeyValuePair<Guid, string>> ConnectionChoices { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (!ApiKeyRules.IsValidName(Name))
        {
            NameError = lang.T("A name of 1 to 200 characters, saying who uses the key (e.g. “hippolyte-rh production”).",
                "Un nom de 1 à 200 caractères, qui dit qui utilise la clé (par exemple « hippolyte-rh production »).");
        }

        ApiRole? role = Role switch
        {
            nameof(ApiRole.Admin) => ApiRole.Admin,
            nameof(ApiRole.Platform) => ApiRole.Platform,
            _ => null,
        };
        if (role is null)
        {
            RoleError = lang.T("Choose a role.", "Choisissez un rôle.");
        }

        var connections = Connections.Distinct().ToList();
        if (connections.Count > ApiKeyRules.MaxConnections)
        {
            ConnectionsError = lang.T($"At most {ApiKeyRules.MaxConnections} connections; tick none for a key that may touch all.",
                $"Au plus {ApiKeyRules.MaxConnections} connexions ; n'en cochez aucune pour une clé valable pour toutes.");
        }
        else if (connections.Count > 0 && !await ApiKeyRules.AllExistAsync(db, connections, cancellationToken))
        {
            ConnectionsError = lang.T("A ticked connection no longer exists: tick them again.", "Une connexion cochée n'existe plus : cochez-les à nouveau.");
        }

        if (NameError is null && await ApiKeyRules.NameTakenAsync(db, Name!, cancellationToken))
        {
            NameError = lang.T($"A key is already named “{Name!.Trim()}”: choose another name.", $"Une clé porte déjà le nom « {Name!.Trim()} » : choisissez-en un autre.");
        }

        if (NameError is not null || RoleError is not null || ConnectionsError is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        var (client, key) = ApiClient.Issue(Name!.Trim(), role!.Value, User.Actor(), time.GetUtcNow(), connections);
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);

        // Shown in this answer only; the form is emptied so that a second key is not made by mistake.
        CreatedKey = key;
        CreatedName = client.Name;
        Name = null;
        Role = null;
        Connections = [];
        ModelState.Clear();
        await LoadAsync(cancellationToken);
        return Page();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostRevokeAsync(Guid id, bool confirm, CancellationToken cancellationToken)
    {
        var client = await db.ApiClients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound();
        }

        if (client.RevokedAt is not null)
        {
            return RedirectToPage();
        }

        if (!confirm)
        {
            RevokeError = lang.T("Tick the box to confirm: programs using this key will be refused at once.",
                "Cochez la case pour confirmer : les programmes qui utilisent cette clé seront refusés aussitôt.");
        }
        else if (await ApiKeyRules.IsLastAdminAsync(db, client, cancellationToken))
        {
            RevokeError = lang.T("This is the last active admin key: create another admin key first, or nobody could manage Passerelle through the API any more.",
                "C'est la dernière clé d'administration active : créez d'abord une autre clé d'administration, sinon plus personne ne pourrait gérer Passerelle par l'API.");
        }

        if (RevokeError is not null)
        {
            RevokeFailedId = id;
            await LoadAsync(cancellationToken);
            return Page();
        }

        client.RevokedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        TempData["Flash"] = lang.T($"The key “{client.Name}” is revoked.", $"La clé « {client.Name} » est révoquée.");
        return RedirectToPage();
    }

    public string RoleName(ApiRole role) => role switch
    {
        ApiRole.Admin => lang.T("Admin", "Administration"),
        _ => lang.T("Platform", "Plateforme"),
    };

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Keys = await db.ApiClients.AsNoTracking().OrderBy(c => c.RevokedAt != null).ThenBy(c => c.Name).ToListAsync(cancellationToken);
        ConnectionChoices = (await db.Connections.AsNoTracking().Select(c => new { c.Id, c.DisplayName }).ToListAsync(cancellationToken))
            .Select(c => KeyValuePair.Create(c.Id.Value, c.DisplayName))
            .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase).ToList();
        ConnectionNames = ConnectionChoices.ToDictionary(c => c.Key, c => c.Value);
    }
}
