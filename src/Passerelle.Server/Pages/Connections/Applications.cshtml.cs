using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Server.Infrastructure;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Connections;

/// <summary>
/// A connection's applications, newest first, with the filters of the applications API (state, job, dates). Ids
/// only: the applicant's data is stored encrypted and the console never shows it. Pages follow a cursor over the
/// UUIDv7 ids, so a page does not shift while new applications arrive.
/// </summary>
public sealed class ApplicationsModel(PasserelleDbContext db, Lang lang, TimeProvider time) : PageModel
{
    public const int PageSize = 25;
    private const string CursorTag = "a1";

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? StateFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "job")]
    public string? Job { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public string? After { get; set; }

    public Guid ConnectionId { get; private set; }
    public string DisplayName { get; private set; } = "";
    public ConnectionStatus ConnectionStatus { get; private set; }
    public IReadOnlyList<Application> Rows { get; private set; } = [];
    public IReadOnlyDictionary<string, string?> JobTitles { get; private set; } = new Dictionary<string, string?>();

    /// <summary>The jobs this connection has applications for (SR id, title), for the job filter.</summary>
    public IReadOnlyList<(string Id, string? Title)> JobOptions { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public bool CursorRefused { get; private set; }
    public string? StateError { get; private set; }
    public string? JobError { get; private set; }
    public string? FromError { get; private set; }
    public string? ToError { get; private set; }
    public DateTimeOffset Now { get; } = time.GetUtcNow();

    public bool Filtered => !string.IsNullOrEmpty(StateFilter) || !string.IsNullOrEmpty(Job) || !string.IsNullOrEmpty(From) || !string.IsNullOrEmpty(To);

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
        var query = db.Applications.AsNoTracking().Where(a => a.ConnectionId == connectionId);

        var applied = await query.Where(a => a.SrJobId != null).Select(a => a.SrJobId!).Distinct().Take(500).ToListAsync(cancellationToken);

        // A job without applications yet may be asked for too (a link from the jobs tab): offered if the connection has it.
        var asked = !string.IsNullOrEmpty(Job) && Job.Length <= 200 && !applied.Contains(Job) ? Job : null;
        var lookup = asked is null ? applied : [.. applied, asked];
        var titles = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId && lookup.Contains(o.SrJobId))
            .Select(o => new { o.SrJobId, o.Title }).ToDictionaryAsync(o => o.SrJobId, o => o.Title, cancellationToken);
        JobOptions = [.. lookup.Where(j => j != asked || titles.ContainsKey(j)).Select(j => (Id: j, Title: titles.GetValueOrDefault(j)))
            .OrderBy(j => j.Title ?? j.Id, StringComparer.CurrentCultureIgnoreCase)];

        if (!string.IsNullOrEmpty(StateFilter))
        {
            if (Enum.TryParse<ApplicationState>(StateFilter, ignoreCase: true, out var state) && Enum.IsDefined(state) && !int.TryParse(StateFilter, out _))
            {
                StateFilter = state.ToString();
                query = query.Where(a => a.State == state);
            }
            else
            {
                StateError = lang.T("Choose a state from the list.", "Choisissez un état dans la liste.");
            }
        }

        if (!string.IsNullOrEmpty(Job))
        {
            if (JobOptions.Any(j => j.Id == Job))
            {
                query = query.Where(a => a.SrJobId == Job);
            }
            else
            {
                JobError = lang.T("This connection has no such job.", "Cette connexion n'a pas cette offre.");
            }
        }

        var from = Day(From, out var fromBad);
        var to = Day(To, out var toBad);
        if (fromBad)
        {
            FromError = lang.T("A date such as 2026-03-31.", "Une date, par exemple 31/03/2026.");
        }

        if (toBad)
        {
            ToError = lang.T("A date such as 2026-03-31.", "Une date, par exemple 31/03/2026.");
        }
        else if (from is { } f && to is { } t && t < f)
        {
            ToError = lang.T("Must not be before the start date.", "Ne doit pas précéder la date de début.");
        }

        if (FromError is null && from is { } since)
        {
            var start = Start(since);
            query = query.Where(a => a.AcceptedAt >= start);
        }

        if (ToError is null && to is { } until)
        {
            // The whole last day counts.
            var end = Start(until.AddDays(1));
            query = query.Where(a => a.AcceptedAt < end);
        }

        if (!string.IsNullOrEmpty(After))
        {
            if (Cursor.Decode(CursorTag, After) is { } before)
            {
                query = query.Where(a => a.Id.CompareTo(before) < 0);
            }
            else
            {
                CursorRefused = true;
            }
        }

        var page = await query.OrderByDescending(a => a.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        if (page.Count > PageSize)
        {
            page.RemoveAt(PageSize);
            NextCursor = Cursor.Encode(CursorTag, page[^1].Id);
        }

        Rows = page;
        var missing = page.Select(a => a.SrJobId).OfType<string>().Where(j => !titles.ContainsKey(j)).Distinct().ToList();
        if (missing.Count > 0)
        {
            foreach (var offer in await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId && missing.Contains(o.SrJobId))
                         .Select(o => new { o.SrJobId, o.Title }).ToListAsync(cancellationToken))
            {
                titles[offer.SrJobId] = offer.Title;
            }
        }

        JobTitles = titles;
        return Page();
    }

    /// <summary>The next page's address, with the same filters.</summary>
    public string PageUrl(string? cursor)
    {
        var query = new Dictionary<string, string?>
        {
            ["state"] = StateError is null ? NullIfEmpty(StateFilter) : null,
            ["job"] = JobError is null ? NullIfEmpty(Job) : null,
            ["from"] = FromError is null ? NullIfEmpty(From) : null,
            ["to"] = ToError is null ? NullIfEmpty(To) : null,
            ["after"] = cursor,
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"/connections/{ConnectionId}/applications",
            query.Where(kv => kv.Value is not null));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A date field's day: <c>2026-03-31</c> (what a date input sends) or <c>31/03/2026</c> (what a French reader types).</summary>
    private static DateOnly? Day(string? text, out bool bad)
    {
        bad = false;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // Years far off are typos; they would also overflow the day's bounds.
        if (DateOnly.TryParseExact(text.Trim(), ["yyyy-MM-dd", "dd/MM/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= 2000 and <= 9000)
        {
            return day;
        }

        bad = true;
        return null;
    }

    /// <summary>Midnight of <paramref name="day"/> in the console's zone, as a UTC instant (Npgsql takes only UTC).</summary>
    private DateTimeOffset Start(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // A zone that skips midnight (a DST change at 00:00) starts the day at the first minute that exists.
        while (lang.Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return new DateTimeOffset(local, lang.Zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
