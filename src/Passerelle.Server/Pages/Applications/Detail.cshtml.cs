using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Server.Applications;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Applications;

/// <summary>
/// One application: its state, every step, its files (facts only) and the last problem with its remedy; account
/// managers can retry it, mark it delivered or erase it, through the same <see cref="ApplicationAdmin"/> calls as
/// the API. No personal data is read: the applicant stays encrypted.
/// </summary>
public sealed class DetailModel(PasserelleDbContext db, ApplicationAdmin admin, ILaneWaker lanes, Lang lang, TimeProvider time) : PageModel
{
    [BindProperty]
    public bool ConfirmMayDuplicate { get; set; }

    [BindProperty]
    public string? SrCandidateId { get; set; }

    [BindProperty]
    public bool ConfirmErase { get; set; }

    public Application Application { get; private set; } = null!;
    public IReadOnlyList<ApplicationStep> Steps { get; private set; } = [];
    public string ConnectionName { get; private set; } = "";
    public ConnectionStatus ConnectionStatus { get; private set; }
    public string? JobTitle { get; private set; }
    public DateTimeOffset Now { get; } = time.GetUtcNow();

    public string? RetryError { get; private set; }
    public string? ConfirmMayDuplicateError { get; private set; }
    public string? CandidateError { get; private set; }
    public string? MarkError { get; private set; }
    public string? EraseError { get; private set; }

    public bool MayAct => User.HasAtLeast(ConsoleRole.AccountManager);
    public bool Retryable => Application is { State: ApplicationState.Failed or ApplicationState.NeedsReview, ErasedAt: null };
    public bool Markable => Application.State is ApplicationState.Failed or ApplicationState.NeedsReview;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken cancellationToken)
    {
        var outcome = await admin.RetryAsync(id, ConfirmMayDuplicate, User.Actor(), cancellationToken);
        switch (outcome.Result)
        {
            case AdminResult.NotFound:
                return NotFound();
            case AdminResult.Done:
                // As the API does: the lane learns at once that an application waits, rather than at its next round.
                await lanes.NudgeDeliveryAsync(outcome.Application!.ConnectionId);
                return Done(id, lang.T("Sent again: the application is back in the delivery queue.", "Relancée : la candidature est de retour dans la file de transmission."));
            case AdminResult.Unchanged:
                return Done(id, lang.T("This application is already on its way: nothing changed.", "Cette candidature est déjà en cours de transmission : rien n'a changé."));
        }

        var message = Conflict(outcome);
        if (outcome.Code == "application.confirm_may_duplicate")
        {
            ConfirmMayDuplicateError = message;
        }
        else
        {
            RetryError = message;
        }

        return await ReshowAsync(id, cancellationToken);
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostMarkDeliveredAsync(Guid id, CancellationToken cancellationToken)
    {
        if (ApplicationEndpoints.CandidateId(SrCandidateId) is not { } candidate)
        {
            CandidateError = string.IsNullOrWhiteSpace(SrCandidateId)
                ? lang.T("Enter the candidate's id in SmartRecruiters (the UUID in the candidate's profile address).",
                    "Saisissez l'identifiant du candidat dans SmartRecruiters (l'UUID dans l'adresse de sa fiche).")
                : lang.T("At most 64 letters, digits, '-' or '_': the UUID in the candidate's profile address.",
                    "Au plus 64 lettres, chiffres, « - » ou « _ » : l'UUID dans l'adresse de la fiche du candidat.");
            return await ReshowAsync(id, cancellationToken);
        }

        var outcome = await admin.MarkDeliveredAsync(id, candidate, User.Actor(), cancellationToken);
        switch (outcome.Result)
        {
            case AdminResult.NotFound:
                return NotFound();
            case AdminResult.Done:
                return Done(id, lang.T($"Marked delivered, as candidate {candidate}.", $"Marquée comme transmise, candidat {candidate}."));
            case AdminResult.Unchanged:
                return Done(id, lang.T($"Already delivered as candidate {candidate}: nothing changed.", $"Déjà transmise, candidat {candidate} : rien n'a changé."));
        }

        MarkError = Conflict(outcome);
        return await ReshowAsync(id, cancellationToken);
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostEraseAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!ConfirmErase)
        {
            EraseError = lang.T("Tick the box to confirm the erasure.", "Cochez la case pour confirmer l'effacement.");
            return await ReshowAsync(id, cancellationToken);
        }

        var outcome = await admin.EraseAsync(id, User.Actor(), cancellationToken);
        switch (outcome.Result)
        {
            case AdminResult.NotFound:
                return NotFound();
            case AdminResult.Done:
                return Done(id, lang.T("The applicant's data and files were erased. The anonymous delivery record stays; erase the candidate in SmartRecruiters too if asked.",
                    "Les données et fichiers du candidat ont été effacés. La trace anonyme de la transmission reste ; effacez aussi le candidat dans SmartRecruiters si la demande le vise."));
            case AdminResult.Unchanged:
                return Done(id, lang.T("This application was already erased: nothing changed.", "Cette candidature était déjà effacée : rien n'a changé."));
        }

        EraseError = Conflict(outcome);
        return await ReshowAsync(id, cancellationToken);
    }

    /// <summary>Every refusal of <see cref="ApplicationAdmin"/> in words; an unknown code falls back to its English reason.</summary>
    private string Conflict(AdminOutcome outcome) => outcome.Code switch
    {
        "application.already_delivered" => outcome.Application?.SrCandidateId is { } candidate
            ? lang.T($"This application is already delivered, as candidate {candidate}.", $"Cette candidature est déjà transmise, candidat {candidate}.")
            : lang.T("This application is already delivered: there is nothing to retry.", "Cette candidature est déjà transmise : il n'y a rien à relancer."),
        "application.confirm_may_duplicate" => lang.T(
            "This application may already exist in SmartRecruiters. Look for the applicant there first: if found, mark it delivered; if not, tick the box and retry.",
            "Cette candidature existe peut-être déjà dans SmartRecruiters. Cherchez-y d'abord le candidat : s'il y est, marquez-la comme transmise ; sinon, cochez la case et relancez."),
        "application.erased" => lang.T("This application was erased: its data is gone and it cannot be sent again.",
            "Cette candidature a été effacée : ses données n'existent plus et elle ne peut pas être renvoyée."),
        "connection.disconnected" => lang.T("The connection is disconnected: this application cannot be sent. Submit it on an active connection.",
            "La connexion est déconnectée : cette candidature ne peut pas être envoyée. Soumettez-la sur une connexion active."),
        "application.files_deleted" => lang.T("The CV of this application is no longer stored (retention or erasure): ask the applicant to apply again.",
            "Le CV de cette candidature n'est plus conservé (durée de conservation ou effacement) : demandez au candidat de postuler à nouveau."),
        "application.in_progress" => lang.T($"This application is still on its way ({ApplicationTexts.State(lang, outcome.Application?.State ?? ApplicationState.Queued)}): only a failed application or one in review can be marked delivered.",
            $"Cette candidature est encore en cours de transmission ({ApplicationTexts.State(lang, outcome.Application?.State ?? ApplicationState.Queued)}) : seule une candidature en échec ou à vérifier peut être marquée comme transmise."),
        "application.changed" => lang.T("The application changed meanwhile: look at it again below, then try again.",
            "La candidature a changé entre-temps : regardez-la à nouveau ci-dessous, puis réessayez."),
        _ => outcome.Reason ?? outcome.Code ?? lang.T("This could not be done.", "Cela n'a pas pu être fait."),
    };

    private RedirectResult Done(Guid id, string message)
    {
        TempData["Flash"] = message;
        TempData["FlashKind"] = "ok";
        return Redirect($"/applications/{id}");
    }

    /// <summary>The page again, with the inline error and what was typed.</summary>
    private async Task<IActionResult> ReshowAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var application = await db.Applications.AsNoTracking().Include(a => a.Files).SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (application is null)
        {
            return false;
        }

        Application = application;
        Steps = await db.ApplicationSteps.AsNoTracking().Where(s => s.ApplicationId == id).OrderBy(s => s.Id).ToListAsync(cancellationToken);
        var connection = await db.Connections.AsNoTracking().Where(c => c.Id == application.ConnectionId)
            .Select(c => new { c.DisplayName, c.Status }).SingleOrDefaultAsync(cancellationToken);
        (ConnectionName, ConnectionStatus) = connection is null ? ("—", ConnectionStatus.Disconnected) : (connection.DisplayName, connection.Status);
        if (application.SrJobId is { } job)
        {
            JobTitle = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == application.ConnectionId && o.SrJobId == job)
                .Select(o => o.Title).FirstOrDefaultAsync(cancellationToken);
        }

        return true;
    }
}
