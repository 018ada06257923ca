using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Core.Users;
using Passerelle.Core.Webhooks;
using Passerelle.Server.Ui;
using Passerelle.Server.Webhooks;

namespace Passerelle.Server.Pages.Admin;

/// <summary>
/// Webhook subscriptions: the list, a new one (its signing secret shown in the answer to the POST only), pause and
/// resume, deletion with a ticked confirmation. The checks are the API's (<see cref="WebhookRules"/>), in the reader's language.
/// </summary>
public sealed class WebhooksModel(PasserelleDbContext db, SecretProtector secrets, Lang lang, TimeProvider time, IOptions<WebhookOptions> options) : PageModel
{
    [BindProperty(Name = "Url")]
    public string? Address { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    [BindProperty]
    public List<string> EventTypes { get; set; } = [];

    [BindProperty]
    public List<Guid> ConnectionIds { get; set; } = [];

    public string? UrlError { get; private set; }
    public string? DescriptionError { get; private set; }
    public string? EventTypesError { get; private set; }
    public string? ConnectionsError { get; private set; }

    public Guid? RowErrorId { get; private set; }
    public string? RowError { get; private set; }

    /// <summary>The new subscription's signing secret, in this answer only.</summary>
    public (Guid Id, string Url, string Secret)? Created { get; private set; }

    public IReadOnlyList<WebhookSubscription> Subscriptions { get; private set; } = [];
    public IReadOnlyList<KeyValuePair<Guid, string>> ConnectionChoices { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> ConnectionNames { get; private set; } = new Dictionary<Guid, string>();

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var url = Address?.Trim() ?? "";
        if (url.Length == 0)
        {
            UrlError = lang.T("Enter the URL where Hippolyte-rh receives the events.", "Saisissez l'URL où Hippolyte-rh reçoit les événements.");
        }
        else if (!WebhookRules.IsAcceptableUrl(url))
        {
            UrlError = lang.T($"An absolute HTTPS URL of at most {WebhookRules.MaxUrlLength} characters, without user name, password or #fragment, e.g. https://hooks.hippolyte-rh.fr/passerelle.",
                $"Une URL HTTPS absolue d'au plus {WebhookRules.MaxUrlLength} caractères, sans identifiant, mot de passe ni #fragment, par exemple https://hooks.hippolyte-rh.fr/passerelle.");
        }
        else if (WebhookRules.IsRefusedAsNotPublic(url, options.Value))
        {
            UrlError = lang.T("This URL points to this machine or a private network: a public HTTPS URL is required (an on-premise receiver needs the Webhooks:AllowPrivateNetworks setting).",
                "Cette URL désigne cette machine ou un réseau privé : il faut une URL HTTPS publique (un récepteur interne demande le réglage Webhooks:AllowPrivateNetworks).");
        }

        if (Description is { Length: > WebhookRules.MaxDescriptionLength })
        {
            DescriptionError = lang.T($"At most {WebhookRules.MaxDescriptionLength} characters.", $"Au plus {WebhookRules.MaxDescriptionLength} caractères.");
        }

        var eventTypes = EventTypes.Distinct(StringComparer.Ordinal).ToList();
        if (!WebhookRules.AreKnownEventTypes(eventTypes))
        {
            EventTypesError = lang.T("Tick only the event types listed.", "Cochez seulement les types d'événements proposés.");
        }

        var connections = ConnectionIds.Distinct().ToList();
        if (connections.Count > WebhookRules.MaxConnections)
        {
            ConnectionsError = lang.T($"At most {WebhookRules.MaxConnections} connections; tick none for all of them.",
                $"Au plus {WebhookRules.MaxConnections} connexions ; n'en cochez aucune pour toutes.");
        }
        else if (connections.Count > 0 && !await ApiKeys.ApiKeyRules.AllExistAsync(db, connections, cancellationToken))
        {
            ConnectionsError = lang.T("A ticked connection no longer exists: tick them again.", "Une connexion cochée n'existe plus : cochez-les à nouveau.");
        }

        if (UrlError is not null || DescriptionError is not null || EventTypesError is not null || ConnectionsError is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        var secret = WebhookSignature.NewSecret();
        var now = time.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Url = url, Description = string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), EventTypes = eventTypes, ConnectionIds = connections,
            ProtectedSecret = secrets.Protect(secret), CreatedAt = now, CreatedBy = User.Actor(), UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);

        Created = (subscription.Id, subscription.Url, secret);
        Address = null;
        Description = null;
        EventTypes = [];
        ConnectionIds = [];
        ModelState.Clear();
        await LoadAsync(cancellationToken);
        return Page();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostPauseAsync(Guid id, bool paused, CancellationToken cancellationToken)
    {
        var subscription = await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return NotFound();
        }

        var now = time.GetUtcNow();
        if (subscription.IsPaused && !paused)
        {
            // As the API does: the waiting deliveries get a fresh retry window before the subscription is saved as resumed.
            await WebhookDispatcher.RestartRetryWindowAsync(db, subscription.Id, now, cancellationToken);
        }

        if (subscription.IsPaused != paused)
        {
            subscription.IsPaused = paused;
            subscription.Version++;
            subscription.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        TempData["Flash"] = paused
            ? lang.T("The subscription is paused: its events wait and are sent when it resumes.", "L'abonnement est suspendu : ses événements attendent et seront envoyés à la reprise.")
            : lang.T("The subscription is resumed.", "L'abonnement a repris.");
        return RedirectToPage();
    }

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostDeleteAsync(Guid id, bool confirm, CancellationToken cancellationToken)
    {
        var subscription = await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return NotFound();
        }

        if (!confirm)
        {
            RowErrorId = id;
            RowError = lang.T("Tick the box to confirm: the subscription and its delivery log are deleted.", "Cochez la case pour confirmer : l'abonnement et son journal d'envois sont supprimés.");
            await LoadAsync(cancellationToken);
            return Page();
        }

        // Its deliveries go with it (cascade), as through the API.
        db.WebhookSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(cancellationToken);
        TempData["Flash"] = lang.T("The subscription is deleted.", "L'abonnement est supprimé.");
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Subscriptions = await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        ConnectionChoices = (await db.Connections.AsNoTracking().Select(c => new { c.Id, c.DisplayName }).ToListAsync(cancellationToken))
            .Select(c => KeyValuePair.Create(c.Id.Value, c.DisplayName))
            .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase).ToList();
        ConnectionNames = ConnectionChoices.ToDictionary(c => c.Key, c => c.Value);
    }
}

/// <summary>The event types in the reader's language, for the webhook pages.</summary>
internal static class WebhookEventNames
{
    public static string Of(Lang lang, string type) => type switch
    {
        Core.Webhooks.EventTypes.JobCreated => lang.T("job created", "offre créée"),
        Core.Webhooks.EventTypes.JobUpdated => lang.T("job updated", "offre modifiée"),
        Core.Webhooks.EventTypes.JobClosed => lang.T("job closed", "offre fermée"),
        Core.Webhooks.EventTypes.ConnectionHealthChanged => lang.T("connection health changed", "état de la connexion changé"),
        Core.Webhooks.EventTypes.ApplicationDelivered => lang.T("application delivered", "candidature transmise"),
        Core.Webhooks.EventTypes.ApplicationFailed => lang.T("application failed", "candidature en échec"),
        Core.Webhooks.EventTypes.ApplicationNeedsReview => lang.T("application needs review", "candidature à vérifier"),
        _ => type,
    };
}
