using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Pages.Connections;

/// <summary>One line of the connections table.</summary>
public sealed record ConnectionRow(
    Guid Id, string DisplayName, string CustomerName, string CompanyIdentifier, ConnectionStatus Status, AttentionReason? Reason, bool ExtraScopes,
    int OpenJobs, int Jobs, int Waiting, int Failed, int InReview, DateTimeOffset? LastSync);

/// <summary>
/// Every connection with its health and its work in numbers. The counts come from one grouped query per table for
/// the connections shown, never one query per row.
/// </summary>
public sealed class IndexModel(PasserelleDbContext db, TimeProvider time) : PageModel
{
    private static readonly string[] ClosedStatuses = ["FILLED", "CANCELLED"];

    internal static readonly ApplicationState[] Waiting =
        [ApplicationState.Queued, ApplicationState.Creating, ApplicationState.CandidateCreated, ApplicationState.ResumeAttached, ApplicationState.Retrying];

    /// <summary>The filter values of the status list (GET, so that a filtered list can be shared as a link).</summary>
    public static readonly string[] StatusFilters = ["active", "warning", "attention", "pending", "disconnected"];

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")]
    public string? StatusFilter { get; set; }

    public IReadOnlyList<ConnectionRow> Rows { get; private set; } = [];

    public int Total { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public bool Filtered => !string.IsNullOrWhiteSpace(Query) || StatusFilters.Contains(StatusFilter);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Total = await db.Connections.CountAsync(cancellationToken);
        var query = db.Connections.AsNoTracking();
        if (Query?.Trim() is { Length: > 0 } text)
        {
            var q = (text.Length > 200 ? text[..200] : text).ToLowerInvariant();
            // Translated to SQL lower(...) on both providers; the StringComparison overloads are not translatable.
#pragma warning disable CA1862
            query = query.Where(c => c.DisplayName.ToLower().Contains(q) || c.CustomerName.ToLower().Contains(q)
                || c.CompanyIdentifier.ToLower().Contains(q) || c.ClientId.ToLower().Contains(q));
#pragma warning restore CA1862
        }

        query = StatusFilter switch
        {
            "active" => query.Where(c => c.Status == ConnectionStatus.Active),
            // The least-privilege warning: the stored probe lists its warnings by code.
            "warning" => query.Where(c => c.Status != ConnectionStatus.Disconnected && c.LastProbeJson != null && c.LastProbeJson.Contains("\"extra_scope:")),
            "attention" => query.Where(c => c.Status == ConnectionStatus.NeedsAttention),
            "pending" => query.Where(c => c.Status == ConnectionStatus.Pending),
            "disconnected" => query.Where(c => c.Status == ConnectionStatus.Disconnected),
            _ => query,
        };

        var connections = await query.OrderBy(c => c.DisplayName)
            .Select(c => new { c.Id, c.DisplayName, c.CustomerName, c.CompanyIdentifier, c.Status, c.AttentionReason, c.LastProbeJson })
            .ToListAsync(cancellationToken);
        var ids = connections.Select(c => c.Id).ToList();

        var jobs = await db.JobOffers.Where(o => ids.Contains(o.ConnectionId)).GroupBy(o => o.ConnectionId)
            .Select(g => new { Id = g.Key, Total = g.Count(), Open = g.Count(o => !o.IsClosed && !ClosedStatuses.Contains(o.Status!)) })
            .ToDictionaryAsync(g => g.Id, cancellationToken);
        var applications = (await db.Applications.Where(a => ids.Contains(a.ConnectionId)).GroupBy(a => new { a.ConnectionId, a.State })
                .Select(g => new { g.Key.ConnectionId, g.Key.State, Count = g.Count() }).ToListAsync(cancellationToken))
            .ToLookup(g => g.ConnectionId);
        var syncs = await db.SyncRuns.Where(r => ids.Contains(r.ConnectionId) && r.State == SyncRunState.Finished).GroupBy(r => r.ConnectionId)
            .Select(g => new { Id = g.Key, At = g.Max(r => r.FinishedAt) })
            .ToDictionaryAsync(g => g.Id, cancellationToken);

        Rows = [.. connections.Select(c =>
        {
            var counts = applications[c.Id].ToList();
            int Count(params ApplicationState[] states) => counts.Where(a => states.Contains(a.State)).Sum(a => a.Count);
            var job = jobs.GetValueOrDefault(c.Id);
            var probe = Ui.ConnectionTexts.Probe(c.LastProbeJson);
            return new ConnectionRow(c.Id.Value, c.DisplayName, c.CustomerName, c.CompanyIdentifier, c.Status, c.AttentionReason,
                c.Status != ConnectionStatus.Disconnected && probe is { ExtraScopes.Count: > 0 },
                job?.Open ?? 0, job?.Total ?? 0, Count(Waiting), Count(ApplicationState.Failed), Count(ApplicationState.NeedsReview),
                syncs.GetValueOrDefault(c.Id)?.At);
        })];
    }
}
