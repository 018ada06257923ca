using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Server.Connections;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>
/// Finalising a customer's connection, step by step as the customer prepares the credential in SR. Validation is the
/// API's (<see cref="ConnectionEndpoints"/>), worded for the reader; "test and save" probes and saves as the API does,
/// even when the probe finds a problem, so that the detail page can say what to fix.
/// </summary>
public sealed class NewModel(ConnectionService connections, PasserelleDbContext db, ILaneWaker lanes, Lang lang) : PageModel
{
    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? CustomerName { get; set; }

    [BindProperty]
    public string? ClientId { get; set; }

    /// <summary>Write-only: bound from the form, never drawn back into it.</summary>
    [BindProperty]
    public string? ClientSecret { get; set; }

    [BindProperty]
    public string? CompanyIdentifier { get; set; }

    [BindProperty]
    public string? BaseUrl { get; set; }

    [BindProperty]
    public string? Tags { get; set; }

    public Dictionary<string, string> Errors { get; } = [];

    public bool MayCreate => User.HasAtLeast(ConsoleRole.AccountManager);

    /// <summary>Open the advanced section when something in it needs fixing or was changed.</summary>
    public bool AdvancedOpen => Errors.ContainsKey(nameof(BaseUrl)) || Errors.ContainsKey(nameof(Tags))
        || !string.IsNullOrWhiteSpace(Tags) || (!string.IsNullOrWhiteSpace(BaseUrl) && BaseUrl.Trim() != ConnectionEndpoints.ProductionBaseUrl);

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public void OnGet()
    {
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        void Text(string field, string? value, int max, string english, string french)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Errors[field] = lang.T($"{english} is required.", $"{french} est obligatoire.");
            }
            else if (value.Trim().Length > max)
            {
                Errors[field] = lang.T($"{english} is at most {max} characters.", $"{french} fait au plus {max} caractères.");
            }
        }

        Text(nameof(DisplayName), DisplayName, ConnectionRules.MaxName, "A display name", "Le nom affiché");
        Text(nameof(CustomerName), CustomerName, ConnectionRules.MaxName, "The customer's name", "Le nom du client");
        Text(nameof(ClientId), ClientId, ConnectionRules.MaxClientId, "The Client ID from SmartRecruiters", "Le Client ID de SmartRecruiters");
        Text(nameof(ClientSecret), ClientSecret, ConnectionRules.MaxSecret, "The Client Secret from SmartRecruiters", "Le Client Secret de SmartRecruiters");
        if (!ConnectionRules.IsCompanyIdentifier(CompanyIdentifier))
        {
            Errors[nameof(CompanyIdentifier)] = lang.T(
                "The Company identifier from SmartRecruiters (Settings/Admin > Company profile): letters, digits, '-' or '_', at most 100.",
                "L'identifiant d'entreprise de SmartRecruiters (Settings/Admin > Company profile) : lettres, chiffres, « - » ou « _ », 100 au plus.");
        }

        var baseUrl = string.IsNullOrWhiteSpace(BaseUrl) ? ConnectionEndpoints.ProductionBaseUrl : BaseUrl.Trim();
        if (!ConnectionRules.IsAllowedBaseUrl(baseUrl))
        {
            Errors[nameof(BaseUrl)] = lang.T(
                "An absolute HTTPS URL without a query, at most 500 characters, e.g. https://api.smartrecruiters.com (the default when left empty); plain http only to this machine.",
                "Une URL HTTPS absolue sans paramètres, de 500 caractères au plus, par exemple https://api.smartrecruiters.com (la valeur par défaut si le champ est vide) ; http simple uniquement vers cette machine.");
        }

        var tags = ConnectionForm.Tags(Tags);
        if (!ConnectionRules.AreValidTags(tags))
        {
            Errors[nameof(Tags)] = lang.T($"At most {ConnectionRules.MaxTags} tags of 1 to {ConnectionRules.MaxTag} characters, separated by commas.",
                $"Au plus {ConnectionRules.MaxTags} étiquettes de 1 à {ConnectionRules.MaxTag} caractères, séparées par des virgules.");
        }

        var displayName = DisplayName?.Trim() ?? "";
        if (!Errors.ContainsKey(nameof(DisplayName)) && await db.Connections.AnyAsync(c => c.DisplayName == displayName, cancellationToken))
        {
            Errors[nameof(DisplayName)] = lang.T($"A connection is already named '{displayName}': choose another display name.",
                $"Une connexion s'appelle déjà « {displayName} » : choisissez un autre nom.");
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var created = await connections.CreateAsync(new ConnectionDraft(displayName, CustomerName!, CompanyIdentifier!, ClientId!, ClientSecret!.Trim(),
            new Uri(baseUrl), tags), User.Actor(), cancellationToken);
        // An active connection's first sync starts now, not at the supervisor's next round.
        await lanes.NudgeAsync(created.Connection.Id);
        TempData[DetailModel.ProbeKey] = "created";
        return Redirect($"/connections/{created.Connection.Id}");
    }
}
