using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Persistence;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Careers;

/// <summary>
/// The receipt after applying. Its address is all anyone needs to open it, so it shows nothing of the applicant:
/// the job, a reference, and where the application is, in plain words.
/// </summary>
[CareersEnabled]
public sealed class CareersReceiptModel(PasserelleDbContext db, Lang lang) : PageModel
{
    public CareerCompany Company { get; private set; } = null!;
    public string JobTitle { get; private set; } = "";
    public Guid ApplicationId { get; private set; }
    public DateTimeOffset AcceptedAt { get; private set; }
    public bool Delivered { get; private set; }

    /// <summary>
    /// The application id's last eight hex digits, grouped: the random end of a UUIDv7 (its start is a timestamp,
    /// the same for every application of the same minute).
    /// </summary>
    public string Reference
    {
        get
        {
            var hex = ApplicationId.ToString("N").ToUpperInvariant();
            return $"{hex[^8..^4]}-{hex[^4..]}";
        }
    }

    public async Task<IActionResult> OnGetAsync(string connection, Guid applicationId, CancellationToken cancellationToken)
    {
        var company = await CareerSite.ResolveAsync(db, connection, cancellationToken);
        var application = company is null ? null
            : await db.Applications.AsNoTracking().Where(a => a.Id == applicationId && a.ConnectionId == company.Id)
                .Select(a => new { a.Id, a.SrJobId, a.State, a.AcceptedAt }).SingleOrDefaultAsync(cancellationToken);
        if (company is null || application is null)
        {
            return CareerSite.NotFound(HttpContext, lang, company);
        }

        Company = company;
        ApplicationId = application.Id;
        AcceptedAt = application.AcceptedAt;
        Delivered = application.State == ApplicationState.Delivered;
        JobTitle = (application.SrJobId is null ? null
            : await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == company.Id && o.SrJobId == application.SrJobId).Select(o => o.Title).SingleOrDefaultAsync(cancellationToken))
            ?? lang.T("Spontaneous application", "Candidature spontanée");
        ViewData[CareerSite.CompanyKey] = company;
        return Page();
    }
}
