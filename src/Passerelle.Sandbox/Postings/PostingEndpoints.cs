using System.Globalization;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Postings;

/// <summary>SR's public Posting API: no authentication, one posting per published job and language.</summary>
internal static class PostingEndpoints
{
    public static void MapPostingEndpoints(this IEndpointRouteBuilder sr) =>
        sr.MapGet("/v1/companies/{companyIdentifier}/postings", List);

    private static IResult List(HttpContext http, SandboxState state, string companyIdentifier)
    {
        var query = http.Request.Query;
        var limit = 10;
        var offset = 0;
        if ((query.ContainsKey("limit") && !int.TryParse(query["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
            || limit is < 1 or > 100)
        {
            return SrResults.BadRequest($"limit must be an integer between 1 and 100 (got '{query["limit"]}').");
        }

        if ((query.ContainsKey("offset") && !int.TryParse(query["offset"], NumberStyles.Integer, CultureInfo.InvariantCulture, out offset)) || offset < 0)
        {
            return SrResults.BadRequest($"offset must be a non-negative integer (got '{query["offset"]}').");
        }

        string Filter(string name) => query[name].ToString();
        var (text, country, region, city, department, language) =
            (Filter("q"), Filter("country"), Filter("region"), Filter("city"), Filter("department"), Filter("language"));
        var baseUrl = http.Request.BaseUrl();

        lock (state.Gate)
        {
            // SR answers 200 with no content for an identifier it does not know, so a typo is not detectable here.
            var companyName = state.Companies.TryGetValue(companyIdentifier, out var company) ? company.Name : companyIdentifier;
            var postings = state.Jobs.Values
                .Where(j => string.Equals(j.Company, companyIdentifier, StringComparison.OrdinalIgnoreCase) && j.PostingIds.Count > 0)
                .OrderBy(j => j.Sequence)
                .SelectMany(j => j.PostingIds.OrderBy(p => p.Value).Select(p => ToPosting(j, p.Key, p.Value, companyName, baseUrl)))
                .Where(p => text.Length == 0 || p.Name!.Contains(text, StringComparison.OrdinalIgnoreCase))
                .Where(p => country.Length == 0 || string.Equals(p.Location?.Country, country, StringComparison.OrdinalIgnoreCase))
                .Where(p => region.Length == 0 || string.Equals(p.Location?.Region, region, StringComparison.OrdinalIgnoreCase))
                .Where(p => city.Length == 0 || string.Equals(p.Location?.City, city, StringComparison.OrdinalIgnoreCase))
                .Where(p => department.Length == 0 || string.Equals(p.Department?.Id, department, StringComparison.OrdinalIgnoreCase)
                                                   || string.Equals(p.Department?.Label, department, StringComparison.OrdinalIgnoreCase))
                .Where(p => language.Length == 0 || string.Equals(p.Language?.Code, language, StringComparison.OrdinalIgnoreCase))
                .ToList();

            return SrResults.Json(new PostingPage
            {
                Offset = offset,
                Limit = limit,
                TotalFound = postings.Count,
                Content = [.. postings.Skip(offset).Take(limit)],
            }, SandboxJsonContext.Wire.PostingPage);
        }
    }

    private static Posting ToPosting(JobRecord job, string language, long postingId, string companyName, string baseUrl)
    {
        var d = job.Details;
        var translated = job.Translations.GetValueOrDefault(language);
        var isDefault = string.Equals(language, job.LanguageCode, StringComparison.OrdinalIgnoreCase);
        return new Posting
        {
            Id = postingId.ToString(CultureInfo.InvariantCulture),
            Uuid = DeterministicUuid(job.Id, language),
            Name = isDefault ? d.Title : translated?.Title ?? d.Title,
            RefNumber = d.RefNumber,
            Company = new PostingCompany { Identifier = job.Company, Name = companyName },
            ReleasedDate = job.ReleasedOn,
            Location = d.Location is { } l
                ? new PostingLocation
                {
                    City = l.City, Region = l.Region, Country = l.CountryCode?.ToLowerInvariant(), Address = l.Address,
                    PostalCode = l.PostalCode, Remote = l.Remote, Latitude = l.Latitude, Longitude = l.Longitude,
                }
                : null,
            Industry = d.Industry,
            Department = d.Department is { } dep ? new IdLabel { Id = dep.Id, Label = dep.Label } : null,
            Function = d.Function,
            TypeOfEmployment = d.TypeOfEmployment,
            ExperienceLevel = d.ExperienceLevel,
            Language = isDefault ? d.Language : translated?.Language,
            Ref = $"{baseUrl}/v1/companies/{job.Company}/postings/{postingId}",
        };
    }

    private static string DeterministicUuid(string jobId, string language)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(jobId + "/" + language));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
