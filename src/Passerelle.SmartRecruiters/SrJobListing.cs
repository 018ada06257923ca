using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.SmartRecruiters;

/// <summary>Why a listing stopped.</summary>
public enum SrListingStop
{
    /// <summary>Not enumerated to the end yet.</summary>
    NotFinished,

    /// <summary>The last page had no <c>nextPageId</c>: the listing is complete.</summary>
    LastPage,

    /// <summary>A page came back empty: the listing is complete.</summary>
    EmptyPage,

    /// <summary>SR handed back a cursor it had already given: stopped to avoid a loop; the listing may be incomplete.</summary>
    RepeatedCursor,

    /// <summary>A page could not be fetched (see <see cref="SrJobListing.Failure"/>): the listing is incomplete.</summary>
    Failed,
}

/// <summary>
/// SR's job listing, page by page (cursor-based), as one stream of jobs. After enumerating, <see cref="IsComplete"/>
/// says whether every page was read: only a complete listing may be used to conclude that a job is gone.
/// </summary>
public sealed class SrJobListing : IAsyncEnumerable<JobSummary>
{
    private readonly Func<string?, CancellationToken, Task<SrOutcome<JobPage>>> _fetchPage;

    internal SrJobListing(Func<string?, CancellationToken, Task<SrOutcome<JobPage>>> fetchPage) => _fetchPage = fetchPage;

    public SrListingStop Stop { get; private set; }

    public bool IsComplete => Stop is SrListingStop.LastPage or SrListingStop.EmptyPage;

    /// <summary>The failure that ended the listing, when <see cref="Stop"/> is <see cref="SrListingStop.Failed"/>.</summary>
    public SrOutcome<bool>? Failure { get; private set; }

    public int Pages { get; private set; }

    /// <summary>SR's <c>totalFound</c> on the last page read.</summary>
    public int TotalFound { get; private set; }

    public async IAsyncEnumerator<JobSummary> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? pageId = null;
        Stop = SrListingStop.NotFinished;
        Failure = null;
        Pages = 0;
        while (true)
        {
            var page = await _fetchPage(pageId, cancellationToken);
            if (!page.IsSuccess)
            {
                Failure = page.As<bool>();
                Stop = SrListingStop.Failed;
                yield break;
            }

            Pages++;
            TotalFound = page.Value.TotalFound;
            var content = page.Value.Content ?? [];
            foreach (var job in content)
            {
                yield return job;
            }

            if (content.Count == 0)
            {
                Stop = SrListingStop.EmptyPage;
                yield break;
            }

            pageId = page.Value.NextPageId;
            if (string.IsNullOrEmpty(pageId))
            {
                Stop = SrListingStop.LastPage;
                yield break;
            }

            if (!seen.Add(pageId))
            {
                Stop = SrListingStop.RepeatedCursor;
                yield break;
            }
        }
    }

    /// <summary>Reads every page into a list (convenient for small listings and tests).</summary>
    public async Task<List<JobSummary>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var jobs = new List<JobSummary>();
        await foreach (var job in TaskAsyncEnumerableExtensions.WithCancellation(this, cancellationToken))
        {
            jobs.Add(job);
        }

        return jobs;
    }
}
