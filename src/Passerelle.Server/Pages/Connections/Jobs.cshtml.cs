using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Server.Jobs;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>
/// A connection's synced job offers, with the filters of the jobs API (status, posting status, open only) and a
/// search over title, reference, city and SR id. Pages are numbered over a stable order (title, then first seen).
/// </summary>
public sealed class JobsModel(PasserelleDbContext db, Lang lang, TimeProvider time) : PageModel
{
    public const int PageSize = 25;
    public const int MaxSearchLength = 200;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true, Name = "posting")]
    public string? Posting { get; set; }

    [BindProperty(SupportsGet = true, Name = "open")]
    public string? Open { get; set; }

    /// <summary>The page number, from 1 (<c>p</c>: <c>page</c> is Razor's own route value).</summary>
    [BindProperty(SupportsGet = true, Name = "p")]
    public string? PageNumber { get; set; }

    public Guid ConnectionId { get; private set; }
    public string DisplayName { get; private set; } = "";
    public ConnectionStatus ConnectionStatus { get; private set; }
    public IReadOnlyList<JobRow> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public int Current { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public bool OpenOnly => Open is "true" or "on";
    public IReadOnlyList<string> StatusOptions { get; private set; } = JobTexts.Statuses;
    public IReadOnlyList<string> PostingOptions { get; private set; } = JobTexts.PostingStatuses;
    public string? SearchError { get; private set; }
    public string? StatusError { get; private set; }
    public string? PostingError { get; private set; }
    public DateTimeOffset Now { get; } = time.GetUtcNow();

    public sealed record JobRow(JobOffer Offer, AdSectionsView? Ad, int Applications);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var connectionId = new ConnectionId(id);
        var connection = await db.Connections.AsNoTracking().Where(c => c.Id == connectionId)
            .Select(c => new { c.DisplayName, c.Status }).SingleOrDefaultAsync(cancellationToken);
        if (connection is null)
        {
            return NotFound();
        }

        (ConnectionId, DisplayName, ConnectionStatus) = (id, connection.DisplayName, connection.Status);
        var jobs = db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId);

        // SR may add a status: whatever this connection's jobs have is offered too.
        var known = await jobs.Select(o => o.Status).Distinct().ToListAsync(cancellationToken);
        StatusOptions = [.. JobTexts.Statuses, .. known.OfType<string>().Where(s => !JobTexts.Statuses.Contains(s)).Order(StringComparer.Ordinal)];
        var knownPostings = await jobs.Select(o => o.PostingStatus).Distinct().ToListAsync(cancellationToken);
        PostingOptions = [.. JobTexts.PostingStatuses, .. knownPostings.OfType<string>().Where(s => !JobTexts.PostingStatuses.Contains(s)).Order(StringComparer.Ordinal)];

        var query = jobs;
        var search = Search?.Trim();
        if (search is { Length: > MaxSearchLength })
        {
            SearchError = lang.T($"At most {MaxSearchLength} characters.", $"Au plus {MaxSearchLength} caractères.");
        }
        else if (!string.IsNullOrEmpty(search))
        {
            var text = search.ToLowerInvariant();
#pragma warning disable CA1862 // Translated to SQL: the StringComparison overload has no translation on SQLite or PostgreSQL.
            query = query.Where(o => (o.Title != null && o.Title.ToLower().Contains(text))
                || (o.RefNumber != null && o.RefNumber.ToLower().Contains(text))
                || (o.City != null && o.City.ToLower().Contains(text))
                || o.SrJobId.ToLower().Contains(text));
#pragma warning restore CA1862
        }

        if (!string.IsNullOrEmpty(Status))
        {
            if (StatusOptions.Contains(Status))
            {
                query = query.Where(o => o.Status == Status);
            }
            else
            {
                StatusError = lang.T("Choose a status from the list.", "Choisissez un statut dans la liste.");
            }
        }

        if (!string.IsNullOrEmpty(Posting))
        {
            if (PostingOptions.Contains(Posting))
            {
                query = query.Where(o => o.PostingStatus == Posting);
            }
            else
            {
                PostingError = lang.T("Choose a publication from the list.", "Choisissez une publication dans la liste.");
            }
        }

        if (OpenOnly)
        {
            query = query.Where(o => !o.IsClosed && !JobTexts.ClosedStatuses.Contains(o.Status!));
        }

        Total = await query.CountAsync(cancellationToken);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        Current = int.TryParse(PageNumber, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var asked)
            ? Math.Clamp(asked, 1, Pages) : 1;

        // Title, then the UUIDv7 id (first seen): a stable order, so a page shows the same jobs while syncs run.
        var page = await query.OrderBy(o => o.Title).ThenBy(o => o.Id).Skip((Current - 1) * PageSize).Take(PageSize).ToListAsync(cancellationToken);
        var ids = page.Select(o => o.SrJobId).ToList();
        var counts = await db.Applications.AsNoTracking()
            .Where(a => a.ConnectionId == connectionId && a.SrJobId != null && ids.Contains(a.SrJobId))
            .GroupBy(a => a.SrJobId!).Select(g => new { Job = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Job, g => g.Count, cancellationToken);
        Rows = [.. page.Select(o => new JobRow(o, AdSectionsView.From(o.AdSections), counts.GetValueOrDefault(o.SrJobId)))];
        return Page();
    }

    /// <summary>
    /// A job ad section's HTML. Sync stores it cleaned by <see cref="JobAdHtml"/> already; it goes through the same
    /// sanitiser once more here so that this page never trusts what a database row says.
    /// </summary>
    public static IHtmlContent AdHtml(string? html) => new HtmlString(string.IsNullOrEmpty(html) ? "" : JobAdHtml.Sanitize(html));

    /// <summary>This list's address with the same filters, at page <paramref name="number"/>.</summary>
    public string PageUrl(int number)
    {
        var query = new Dictionary<string, string?>
        {
            ["q"] = string.IsNullOrWhiteSpace(Search) ? null : Search.Trim(),
            ["status"] = StatusError is null && !string.IsNullOrEmpty(Status) ? Status : null,
            ["posting"] = PostingError is null && !string.IsNullOrEmpty(Posting) ? Posting : null,
            ["open"] = OpenOnly ? "true" : null,
            ["p"] = number > 1 ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"/connections/{ConnectionId}/jobs",
            query.Where(kv => kv.Value is not null).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
    }

    public bool Filtered => !string.IsNullOrWhiteSpace(Search) || !string.IsNullOrEmpty(Status) || !string.IsNullOrEmpty(Posting) || OpenOnly;
}
