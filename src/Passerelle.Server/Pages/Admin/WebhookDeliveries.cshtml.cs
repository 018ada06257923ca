using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Core.Webhooks;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Admin;

/// <summary>One subscription and its recent deliveries, with a replay of a finished one (as the API's replay: same event, new delivery).</summary>
public sealed class WebhookDeliveriesModel(PasserelleDbContext db, Lang lang, TimeProvider time) : PageModel
{
    public const int Shown = 50;

    public WebhookSubscription Subscription { get; private set; } = null!;
    public IReadOnlyList<WebhookDelivery> Deliveries { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> ConnectionNames { get; private set; } = new Dictionary<Guid, string>();
    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    [RequiresRole(ConsoleRole.Admin)]
    public async Task<IActionResult> OnPostReplayAsync(Guid id, Guid deliveryId, CancellationToken cancellationToken)
    {
        var original = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken);
        if (original is null)
        {
            return NotFound();
        }

        if (original.Status == DeliveryStatus.Pending)
        {
            TempData["Flash"] = lang.T("This delivery is still being attempted: wait until it is delivered or failed, then replay it.",
                "Cet envoi est encore en cours de tentatives : attendez qu'il soit réussi ou en échec, puis renvoyez-le.");
            TempData["FlashKind"] = "error";
            return RedirectToPage(new { id });
        }

        db.WebhookDeliveries.Add(WebhookReplay.Of(original, time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        TempData["Flash"] = lang.T("The event is queued to be sent again.", "L'événement est mis en file pour être renvoyé.");
        return RedirectToPage(new { id });
    }

    public string StatusName(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Delivered => lang.T("delivered", "réussi"),
        DeliveryStatus.Failed => lang.T("failed", "en échec"),
        _ => lang.T("pending", "en attente"),
    };

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await db.WebhookSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is not { } subscription)
        {
            return false;
        }

        Subscription = subscription;

        // Ids are UUIDv7: newest first is descending id, as in the API's delivery log.
        Deliveries = await db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id).OrderByDescending(d => d.Id).Take(Shown).ToListAsync(cancellationToken);
        ConnectionNames = await db.Connections.AsNoTracking().ToDictionaryAsync(c => c.Id.Value, c => c.DisplayName, cancellationToken);
        Now = time.GetUtcNow();
        return true;
    }
}
