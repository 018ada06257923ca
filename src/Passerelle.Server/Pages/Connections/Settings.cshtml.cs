using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Server.Connections;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>What describes a connection (not its credential), with the API's rules (<c>PATCH /api/v1/connections/{id}</c>).</summary>
public sealed class SettingsModel(PasserelleDbContext db, ConnectionService connections, IOptions<SyncOptions> sync, Lang lang) : PageModel
{
    public Guid Id { get; private set; }

    public string CurrentName { get; private set; } = "";

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? CustomerName { get; set; }

    [BindProperty]
    public string? Tags { get; set; }

    [BindProperty]
    public string? SourceTypeId { get; set; }

    [BindProperty]
    public string? SourceSubTypeId { get; set; }

    [BindProperty]
    public string? SourceId { get; set; }

    [BindProperty]
    public string? SyncMinutes { get; set; }

    [BindProperty]
    public string? FullSyncMinutes { get; set; }

    [BindProperty]
    public string? DeliveryMode { get; set; }

    public Dictionary<string, string> Errors { get; } = [];

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public bool MayEdit => User.HasAtLeast(ConsoleRole.AccountManager);

    public TimeSpan DefaultInterval => sync.Value.Interval;

    public TimeSpan DefaultFullInterval => sync.Value.FullInterval;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == new ConnectionId(id), cancellationToken);
        if (connection is null)
        {
            return NotFound();
        }

        Id = id;
        CurrentName = connection.DisplayName;
        DisplayName = connection.DisplayName;
        CustomerName = connection.CustomerName;
        Tags = string.Join(", ", connection.Tags);
        SourceTypeId = connection.SourceTypeId;
        SourceSubTypeId = connection.SourceSubTypeId;
        SourceId = connection.SourceId;
        SyncMinutes = Minutes(connection.SyncInterval);
        FullSyncMinutes = Minutes(connection.FullSyncInterval);
        DeliveryMode = connection.DeliveryMode.ToString();
        return Page();
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var current = await db.Connections.AsNoTracking().Where(c => c.Id == connectionId)
            .Select(c => new { c.DisplayName, c.SyncInterval, c.FullSyncInterval }).SingleOrDefaultAsync(cancellationToken);
        if (current is null)
        {
            return NotFound();
        }

        Id = id;
        CurrentName = current.DisplayName;
        foreach (var (field, value, english, french) in new[]
                 {
                     (nameof(DisplayName), DisplayName, "The display name", "Le nom affiché"),
                     (nameof(CustomerName), CustomerName, "The customer's name", "Le nom du client"),
                 })
        {
            if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > ConnectionRules.MaxName)
            {
                Errors[field] = lang.T($"{english} must be 1 to {ConnectionRules.MaxName} characters.", $"{french} doit faire de 1 à {ConnectionRules.MaxName} caractères.");
            }
        }

        foreach (var (field, value) in new[] { (nameof(SourceTypeId), SourceTypeId), (nameof(SourceSubTypeId), SourceSubTypeId), (nameof(SourceId), SourceId) })
        {
            if (value?.Trim() is { Length: > ConnectionRules.MaxSourceId })
            {
                Errors[field] = lang.T($"At most {ConnectionRules.MaxSourceId} characters (empty clears it).", $"{ConnectionRules.MaxSourceId} caractères au plus (vide pour l'effacer).");
            }
        }

        var incremental = ConnectionForm.Minutes(SyncMinutes);
        if (incremental is not { } i || !ConnectionRules.IsValidSyncInterval(i))
        {
            Errors[nameof(SyncMinutes)] = lang.T("A number of minutes between 1 and 1440 (a day), or empty for the default.",
                "Un nombre de minutes entre 1 et 1440 (une journée), ou vide pour la valeur par défaut.");
        }

        var full = ConnectionForm.Minutes(FullSyncMinutes);
        if (full is not { } f || !ConnectionRules.IsValidFullSyncInterval(f))
        {
            Errors[nameof(FullSyncMinutes)] = lang.T("A number of minutes between 5 and 10080 (7 days), or empty for the default.",
                "Un nombre de minutes entre 5 et 10080 (7 jours), ou vide pour la valeur par défaut.");
        }

        var tags = ConnectionForm.Tags(Tags);
        if (!ConnectionRules.AreValidTags(tags))
        {
            Errors[nameof(Tags)] = lang.T($"At most {ConnectionRules.MaxTags} tags of 1 to {ConnectionRules.MaxTag} characters, separated by commas.",
                $"Au plus {ConnectionRules.MaxTags} étiquettes de 1 à {ConnectionRules.MaxTag} caractères, séparées par des virgules.");
        }

        DeliveryMode? mode = null;
        if (Enum.TryParse<DeliveryMode>(DeliveryMode, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(DeliveryMode, CultureInfo.InvariantCulture, out _))
        {
            mode = parsed;
        }
        else
        {
            Errors[nameof(DeliveryMode)] = lang.T("Choose how applications are created in SmartRecruiters.", "Choisissez comment les candidatures sont créées dans SmartRecruiters.");
        }

        // A full reconcile more often than an incremental sync would list every job where listing the changed ones suffices.
        if (incremental is { } inc && full is { } ful && !Errors.ContainsKey(nameof(SyncMinutes)) && !Errors.ContainsKey(nameof(FullSyncMinutes)))
        {
            var effectiveIncremental = inc == TimeSpan.Zero ? sync.Value.Interval : inc;
            var effectiveFull = ful == TimeSpan.Zero ? sync.Value.FullInterval : ful;
            if (effectiveFull < effectiveIncremental)
            {
                Errors[nameof(FullSyncMinutes)] = lang.T(
                    $"The full reconcile interval ({Minutes(effectiveFull)} min) cannot be shorter than the incremental sync interval ({Minutes(effectiveIncremental)} min).",
                    $"L'intervalle de synchronisation complète ({Minutes(effectiveFull)} min) ne peut pas être plus court que celui de la synchronisation incrémentale ({Minutes(effectiveIncremental)} min).");
            }
        }

        var name = DisplayName?.Trim() ?? "";
        if (!Errors.ContainsKey(nameof(DisplayName)) && await db.Connections.AnyAsync(c => c.DisplayName == name && c.Id != connectionId, cancellationToken))
        {
            Errors[nameof(DisplayName)] = lang.T($"A connection is already named '{name}': choose another display name.",
                $"Une connexion s'appelle déjà « {name} » : choisissez un autre nom.");
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var updated = await connections.UpdateSettingsAsync(connectionId,
            new ConnectionSettings(name, CustomerName!.Trim(), tags, SourceTypeId?.Trim() ?? "", SourceSubTypeId?.Trim() ?? "", SourceId?.Trim() ?? "", incremental, full, mode),
            User.Actor(), cancellationToken);
        if (updated is null)
        {
            return NotFound();
        }

        TempData["Flash"] = lang.T("The settings were saved.", "Les paramètres ont été enregistrés.");
        TempData["FlashKind"] = "ok";
        return Redirect($"/connections/{id}/settings");
    }

    private static string Minutes(TimeSpan? span) => span is { } value ? ((long)value.TotalMinutes).ToString(CultureInfo.InvariantCulture) : "";
}
