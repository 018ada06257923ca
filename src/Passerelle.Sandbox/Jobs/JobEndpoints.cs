using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Jobs;

/// <summary><c>GET /jobs</c> and <c>GET /jobs/{id}</c>, scope <c>jobs_read</c>.</summary>
internal static class JobEndpoints
{
    public const int MaxLimit = 100;

    public static void MapJobEndpoints(this IEndpointRouteBuilder sr)
    {
        sr.MapGet("/jobs", List).WithMetadata(new SrEndpoint("GET /jobs", SrScopes.JobsRead));
        sr.MapGet("/jobs/{jobId}", Get).WithMetadata(new SrEndpoint("GET /jobs/{id}", SrScopes.JobsRead));
    }

    private static IResult List(HttpContext http, SandboxState state)
    {
        var caller = http.Caller();
        var query = http.Request.Query;
        if (!TryInt(query["limit"], 10, out var limit) || limit is < 1 or > MaxLimit)
        {
            return SrResults.BadRequest($"limit must be an integer between 1 and {MaxLimit} (got '{query["limit"]}').");
        }

        if (!TryInt(query["offset"], 0, out var offset) || offset < 0)
        {
            return SrResults.BadRequest($"offset must be a non-negative integer (got '{query["offset"]}').");
        }

        long? after = null;
        if (!StringValues.IsNullOrEmpty(query["pageId"]))
        {
            if (PageCursor.Decode(query["pageId"].ToString()) is not { } cursor)
            {
                return SrResults.BadRequest("pageId is not a cursor this API issued: start again without pageId.");
            }

            after = cursor;
        }

        if (!TryInstant(query["updatedAfter"], out var updatedAfter))
        {
            return SrResults.BadRequest($"updatedAfter must be an ISO-8601 date-time (got '{query["updatedAfter"]}').");
        }

        if (!TryInstant(query["lastActivityAfter"], out var lastActivityAfter))
        {
            return SrResults.BadRequest($"lastActivityAfter must be an ISO-8601 date-time (got '{query["lastActivityAfter"]}').");
        }

        var status = query["status"].ToString();
        if (status.Length > 0 && !JobStatuses.All.Contains(status))
        {
            return SrResults.BadRequest($"status must be one of {string.Join(", ", JobStatuses.All)} (got '{status}').");
        }

        var postingStatus = query["postingStatus"].ToString();
        if (postingStatus.Length > 0 && !PostingStatuses.All.Contains(postingStatus))
        {
            return SrResults.BadRequest($"postingStatus must be one of {string.Join(", ", PostingStatuses.All)} (got '{postingStatus}').");
        }

        var text = query["q"].ToString();
        var cities = query["city"].Where(c => !string.IsNullOrEmpty(c)).ToList();
        var departments = query["department"].Where(d => !string.IsNullOrEmpty(d)).ToList();
        var language = query["language"].ToString();
        var languages = Languages.Preferences(http.Request.Headers.AcceptLanguage);
        var baseUrl = http.Request.BaseUrl();

        lock (state.Gate)
        {
            var matching = state.Jobs.Values
                .Where(j => string.Equals(j.Company, caller.Company, StringComparison.OrdinalIgnoreCase))
                .Where(j => text.Length == 0 || j.Details.Title!.Contains(text, StringComparison.OrdinalIgnoreCase)
                                             || j.Translations.Values.Any(t => t.Title?.Contains(text, StringComparison.OrdinalIgnoreCase) == true))
                .Where(j => cities.Count == 0 || cities.Contains(j.Details.Location?.City ?? "", StringComparer.OrdinalIgnoreCase))
                .Where(j => departments.Count == 0 || departments.Any(d =>
                    string.Equals(d, j.Details.Department?.Id, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(d, j.Details.Department?.Label, StringComparison.OrdinalIgnoreCase)))
                .Where(j => updatedAfter is null || j.Details.UpdatedOn > updatedAfter)
                .Where(j => lastActivityAfter is null || j.Details.LastActivityOn > lastActivityAfter)
                .Where(j => status.Length == 0 || j.Details.Status == status)
                .Where(j => postingStatus.Length == 0 || j.Details.PostingStatus == postingStatus)
                .Where(j => language.Length == 0 || j.Languages.Contains(language, StringComparer.OrdinalIgnoreCase))
                .OrderBy(j => j.Sequence)
                .ToList();

            // Keyset paging on the creation sequence, which never changes: a job edited or added while a client
            // pages through is neither skipped nor repeated.
            var remaining = after is { } cursor ? matching.Where(j => j.Sequence > cursor) : matching.Skip(offset);
            var page = remaining.Take(limit + 1).ToList();
            var hasMore = page.Count > limit;
            if (hasMore)
            {
                page.RemoveAt(limit);
            }

            return SrResults.Json(new JobPage
            {
                Limit = limit,
                Offset = after is null ? offset : 0,
                TotalFound = matching.Count,
                NextPageId = hasMore ? PageCursor.Encode(page[^1].Sequence) : null,
                Content = [.. page.Select(j => JobCatalog.Summary(j, languages, baseUrl))],
            }, SandboxJsonContext.Wire.JobPage);
        }
    }

    private static IResult Get(HttpContext http, SandboxState state, string jobId)
    {
        var caller = http.Caller();
        var languages = Languages.Preferences(http.Request.Headers.AcceptLanguage);
        lock (state.Gate)
        {
            return state.Jobs.TryGetValue(jobId, out var job) && string.Equals(job.Company, caller.Company, StringComparison.OrdinalIgnoreCase)
                ? SrResults.Json(JobCatalog.Details(job, languages, http.Request.BaseUrl()), SandboxJsonContext.Wire.JobDetails)
                : SrResults.NotFound($"Job '{jobId}' not found.");
        }
    }

    private static bool TryInt(StringValues value, int fallback, out int result)
    {
        if (StringValues.IsNullOrEmpty(value))
        {
            result = fallback;
            return true;
        }

        return int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out result);
    }

    private static bool TryInstant(StringValues value, out DateTimeOffset? instant)
    {
        instant = null;
        if (StringValues.IsNullOrEmpty(value))
        {
            return true;
        }

        // A '+' in an unencoded query string arrives as a space; accept it as the offset sign it was meant to be.
        var text = value.ToString().Replace(' ', '+');
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            instant = parsed.ToUniversalTime();
            return true;
        }

        return false;
    }
}

/// <summary>Opaque page cursors: the creation sequence of the last job served, versioned and base64url-encoded.</summary>
internal static class PageCursor
{
    private const string Prefix = "sbx1:";

    public static string Encode(long sequence) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(Prefix + sequence.ToString(CultureInfo.InvariantCulture)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static long? Decode(string pageId)
    {
        if (pageId.Length > 64)
        {
            return null;
        }

        try
        {
            var padded = pageId.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            return text.StartsWith(Prefix, StringComparison.Ordinal)
                   && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                ? sequence
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
