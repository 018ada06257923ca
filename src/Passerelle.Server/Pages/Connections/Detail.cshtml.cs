using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Server.Connections;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>
/// A connection's overview: its health and what to do about it, the last probe's verdict, the probe history, the
/// facts, and the account manager's actions (test, sync now, rotate the secret, disconnect), each doing what the
/// API's endpoint does.
/// </summary>
public sealed class DetailModel(
    PasserelleDbContext db, ConnectionService connections, ILaneWaker lanes, IGrainFactory grains, Lang lang) : PageModel
{
    /// <summary>TempData key: which action just probed the connection ("created", "tested", "rotated").</summary>
    public const string ProbeKey = "ConnectionProbe";

    private static readonly string[] ProbeActions = ["created", "tested", "secret_rotated", "secret_rotation_refused"];

    public Connection Connection { get; private set; } = null!;

    public StoredProbe? Probe { get; private set; }

    /// <summary>What stops the connection now, each with its remedy (empty unless it needs attention).</summary>
    public IReadOnlyList<FindingText> Problems { get; private set; } = [];

    /// <summary>The last probe's problems and warnings, by code, in the reader's language.</summary>
    public IReadOnlyList<FindingText> ProbeProblems { get; private set; } = [];

    public IReadOnlyList<FindingText> Warnings { get; private set; } = [];

    public IReadOnlyList<ConnectionAudit> ProbeHistory { get; private set; } = [];

    public LaneState? Lane { get; private set; }

    public bool LaneUnavailable { get; private set; }

    /// <summary>The refused secret's verdict, shown beside the rotation form (the stored probe keeps the old secret's).</summary>
    public IReadOnlyList<FindingText>? RotationRefused { get; private set; }

    public string? JustProbed { get; private set; }

    [BindProperty]
    public string? NewSecret { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public string? ConfirmName { get; set; }

    [BindProperty]
    public string? Kind { get; set; }

    public Dictionary<string, string> Errors { get; } = [];

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public bool MayAct => User.HasAtLeast(ConsoleRole.AccountManager);

    public bool Live => Connection.Status != ConnectionStatus.Disconnected && Connection.ProtectedSecret is not null;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        JustProbed = TempData[ProbeKey] as string;
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostTestAsync(Guid id, CancellationToken cancellationToken)
    {
        var tested = await connections.TestAsync(new ConnectionId(id), User.Actor(), cancellationToken);
        if (tested is null)
        {
            return await RefuseAsync(id, lang.T("A disconnected connection cannot be tested.", "Une connexion déconnectée ne peut pas être testée."), cancellationToken);
        }

        // A test that finds the connection fixed resumes its lane at once.
        await lanes.NudgeAsync(tested.Connection.Id);
        TempData[ProbeKey] = "tested";
        return Redirect($"/connections/{id}");
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostSyncAsync(Guid id, [FromServices] JobSync sync, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken);
        if (connection is null)
        {
            return NotFound();
        }

        var kind = Kind == "full" ? SyncKind.Full : SyncKind.Incremental;
        var refusal = ConnectionRules.RefuseSync(connection) switch
        {
            SyncRefusal.Disconnected => lang.T("This connection is disconnected: create a new connection to sync this customer's jobs again.",
                "Cette connexion est déconnectée : créez une nouvelle connexion pour synchroniser à nouveau les offres de ce client."),
            SyncRefusal.Pending => lang.T("This connection has not been verified yet: test it first.", "Cette connexion n'a pas encore été vérifiée : testez-la d'abord."),
            SyncRefusal.NeedsAttention => lang.T("This connection needs attention: fix the problem shown below, then sync.",
                "Cette connexion est à traiter : corrigez le problème indiqué ci-dessous, puis synchronisez."),
            _ => null,
        };
        if (refusal is not null)
        {
            return await RefuseAsync(id, refusal, cancellationToken);
        }

        await sync.QueueAsync(connectionId, kind, User.Actor(), cancellationToken);
        await lanes.NudgeAsync(connectionId);
        TempData["Flash"] = kind == SyncKind.Full
            ? lang.T("A full sync was asked for; it appears here when the lane takes it.", "Une synchronisation complète a été demandée ; elle apparaît ici dès que la file la prend.")
            : lang.T("A sync was asked for; it appears here when the lane takes it.", "Une synchronisation a été demandée ; elle apparaît ici dès que la file la prend.");
        TempData["FlashKind"] = "ok";
        return Redirect($"/connections/{id}/syncs");
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostRotateAsync(Guid id, CancellationToken cancellationToken)
    {
        var secret = NewSecret?.Trim();
        NewSecret = null;
        if (string.IsNullOrEmpty(secret) || secret.Length > ConnectionRules.MaxSecret)
        {
            Errors[nameof(NewSecret)] = lang.T($"The new Client Secret is required (at most {ConnectionRules.MaxSecret} characters).",
                $"Le nouveau Client Secret est obligatoire ({ConnectionRules.MaxSecret} caractères au plus).");
            return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
        }

        var rotated = await connections.RotateSecretAsync(new ConnectionId(id), secret, User.Actor(), cancellationToken);
        if (rotated is null)
        {
            return await RefuseAsync(id, lang.T("A disconnected connection has no secret to rotate.", "Une connexion déconnectée n'a pas de secret à remplacer."), cancellationToken);
        }

        if (rotated.Applied)
        {
            await lanes.NudgeAsync(new ConnectionId(id));
            TempData[ProbeKey] = "rotated";
            TempData["Flash"] = lang.T("The new secret works and replaced the old one.", "Le nouveau secret fonctionne et a remplacé l'ancien.");
            TempData["FlashKind"] = "ok";
            return Redirect($"/connections/{id}");
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        var company = Connection.CompanyIdentifier;
        RotationRefused = [.. rotated.Verdict.Problems.Select(p => ConnectionTexts.Finding(lang, p.Code, company, p.Problem, p.Remedy))];
        Errors[nameof(NewSecret)] = lang.T("SmartRecruiters refused this secret; the old one is kept.", "SmartRecruiters a refusé ce secret ; l'ancien est conservé.");
        return Page();
    }

    [RequiresRole(ConsoleRole.AccountManager)]
    public async Task<IActionResult> OnPostDisconnectAsync(Guid id, [FromServices] ApplicationAdmin applications, CancellationToken cancellationToken)
    {
        var current = await db.Connections.AsNoTracking().Where(c => c.Id == new ConnectionId(id)).Select(c => c.DisplayName).SingleOrDefaultAsync(cancellationToken);
        if (current is null)
        {
            return NotFound();
        }

        var reason = string.IsNullOrWhiteSpace(Reason) ? ConnectionRules.DefaultDisconnectReason : Reason.Trim();
        if (reason.Length > ConnectionRules.MaxReason)
        {
            Errors[nameof(Reason)] = lang.T($"At most {ConnectionRules.MaxReason} characters.", $"{ConnectionRules.MaxReason} caractères au plus.");
        }

        // The server's own confirmation: the browser's dialog is only a convenience.
        if (!string.Equals(ConfirmName?.Trim(), current, StringComparison.Ordinal))
        {
            Errors[nameof(ConfirmName)] = lang.T($"Type the connection's display name, '{current}', to confirm.",
                $"Saisissez le nom de la connexion, « {current} », pour confirmer.");
        }

        if (Errors.Count > 0)
        {
            return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
        }

        var connection = await connections.DisconnectAsync(new ConnectionId(id), reason, User.Actor(), cancellationToken);
        if (connection is null)
        {
            return NotFound();
        }

        // Nothing waits forever on a connection that will never deliver: the waiting applications fail now.
        var failed = await applications.FailForDisconnectionAsync(connection.Id, cancellationToken);
        TempData["Flash"] = lang.T($"The connection is disconnected and its secret erased; {failed} waiting application(s) failed.",
            $"La connexion est déconnectée et son secret effacé ; {failed} candidature(s) en attente sont passées en échec.");
        TempData["FlashKind"] = "ok";
        return Redirect($"/connections/{id}");
    }

    private async Task<IActionResult> RefuseAsync(Guid id, string sentence, CancellationToken cancellationToken)
    {
        if (!await db.Connections.AnyAsync(c => c.Id == new ConnectionId(id), cancellationToken))
        {
            return NotFound();
        }

        TempData["Flash"] = sentence;
        TempData["FlashKind"] = "error";
        return Redirect($"/connections/{id}");
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken);
        if (connection is null)
        {
            return false;
        }

        Connection = connection;
        Probe = ConnectionTexts.Probe(connection.LastProbeJson);
        var company = connection.CompanyIdentifier;
        ProbeProblems = [.. (Probe?.Problems ?? []).Select(code => ConnectionTexts.Finding(lang, code, company))];
        Warnings = connection.Status == ConnectionStatus.Disconnected ? [] : [.. (Probe?.Warnings ?? []).Select(code => ConnectionTexts.Finding(lang, code, company))];
        if (connection is { Status: ConnectionStatus.NeedsAttention, AttentionReason: { } reason })
        {
            // The reason may come from a sync or a delivery after the probe (e.g. SR unreachable): name it too.
            var code = ConnectionTexts.CodeFor(reason, Probe);
            var kind = code.Split(':')[0];
            Problems = ProbeProblems.Any(p => p.Code.Split(':')[0] == kind) ? ProbeProblems : [ConnectionTexts.Finding(lang, code, company), .. ProbeProblems];
        }

        ProbeHistory = await db.ConnectionAudit.AsNoTracking().Where(a => a.ConnectionId == connectionId && ProbeActions.Contains(a.Action))
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(10).ToListAsync(cancellationToken);

        if (Live)
        {
            try
            {
                // Asking wakes the lane if it is not running; a lane that does not answer soon is only not shown.
                Lane = await grains.GetGrain<IConnectionLane>(id).GetStateAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
            {
                LaneUnavailable = true;
            }
        }

        return true;
    }
}
