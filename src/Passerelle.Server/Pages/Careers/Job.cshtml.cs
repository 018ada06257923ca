using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Server.Jobs;
using Passerelle.Server.Ui;

namespace Passerelle.Server.Pages.Careers;

/// <summary>
/// One job ad: its sections as the jobs API serves them (<see cref="AdSectionsView"/>, HTML sanitised by Core's
/// JobAdHtml at sync, the only HTML the page shows unencoded), and the way to apply.
/// </summary>
[CareersEnabled]
public sealed class CareersJobModel(PasserelleDbContext db, Lang lang) : PageModel
{
    public CareerCompany Company { get; private set; } = null!;
    public JobOffer Job { get; private set; } = null!;
    public AdSectionsView? Ad { get; private set; }

    public string ApplyUrl => Company.JobUrl(Job.SrJobId) + "/apply";

    public async Task<IActionResult> OnGetAsync(string connection, string jobId, CancellationToken cancellationToken)
    {
        var company = await CareerSite.ResolveAsync(db, connection, cancellationToken);
        var job = company is null || jobId.Length > 200 ? null
            : await CareerSite.Shown(db, company.Id).SingleOrDefaultAsync(o => o.SrJobId == jobId, cancellationToken);
        if (company is null || job is null)
        {
            return CareerSite.NotFound(HttpContext, lang, company);
        }

        Company = company;
        Job = job;
        Ad = AdSectionsView.From(job.AdSections);
        ViewData[CareerSite.CompanyKey] = company;
        return Page();
    }

    /// <summary>The ad's sections in reading order, those with content only.</summary>
    public IEnumerable<(string Key, AdSectionView Section)> Sections()
    {
        foreach (var (key, section) in new[] { ("company", Ad?.CompanyDescription), ("job", Ad?.JobDescription), ("qualifications", Ad?.Qualifications), ("additional", Ad?.AdditionalInformation) })
        {
            if (section is { Html.Length: > 0 })
            {
                yield return (key, section);
            }
        }
    }

    public string DefaultTitle(string key) => key switch
    {
        "company" => lang.T("About us", "Qui sommes-nous"),
        "job" => lang.T("The job", "Le poste"),
        "qualifications" => lang.T("Your profile", "Votre profil"),
        _ => lang.T("Good to know", "Bon à savoir"),
    };
}
