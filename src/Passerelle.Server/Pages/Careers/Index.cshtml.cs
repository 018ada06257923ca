using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Persistence;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Careers;

/// <summary>A job card of the career site's list.</summary>
public sealed record CareerJobCard(string Id, string Title, string? City, string? CountryCode, string? Department, string? EmploymentType, DateTimeOffset? PostedOn)
{
    public string? Location => (City, CountryCode) switch
    {
        ({ Length: > 0 } city, { Length: > 0 } country) => $"{city}, {country}",
        ({ Length: > 0 } city, _) => city,
        (_, { Length: > 0 } country) => country,
        _ => null,
    };
}

/// <summary>The company's open, public job offers, newest first, with a search on title, location and department.</summary>
[CareersEnabled]
public sealed class CareersIndexModel(PasserelleDbContext db, Lang lang) : PageModel
{
    public const int MaxQuery = 200;

    public CareerCompany Company { get; private set; } = null!;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    public IReadOnlyList<CareerJobCard> Jobs { get; private set; } = [];

    /// <summary>Open public offers before the search narrowed them.</summary>
    public int Total { get; private set; }

    public async Task<IActionResult> OnGetAsync(string connection, CancellationToken cancellationToken)
    {
        if (await CareerSite.ResolveAsync(db, connection, cancellationToken) is not { } company)
        {
            return CareerSite.NotFound(HttpContext, lang);
        }

        Company = company;
        ViewData[CareerSite.CompanyKey] = company;
        Query = Query?.Trim() is { Length: > 0 } q ? (q.Length > MaxQuery ? q[..MaxQuery] : q) : null;

        // The few columns a card needs (never the ad or SR's JSON); the search runs here, accent-insensitive.
        var offers = await CareerSite.Shown(db, company.Id)
            .Select(o => new { o.SrJobId, o.Title, o.City, o.CountryCode, o.Department, o.EmploymentType, o.SrCreatedOn, o.FirstSeenAt })
            .ToListAsync(cancellationToken);
        Total = offers.Count;
        var words = CareerSite.Fold(Query).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Jobs = [.. offers
            .Select(o => new CareerJobCard(o.SrJobId, o.Title ?? lang.T("Job offer", "Offre d'emploi"), o.City, o.CountryCode, o.Department, o.EmploymentType, o.SrCreatedOn ?? o.FirstSeenAt))
            .Where(card => words.Length == 0 || words.All(CareerSite.Fold($"{card.Title} {card.Location} {card.Department}").Contains))
            .OrderByDescending(card => card.PostedOn).ThenBy(card => card.Title, StringComparer.Ordinal)];
        return Page();
    }
}
