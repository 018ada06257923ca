using Passerelle.Core.Jobs;

namespace Passerelle.Server.Jobs;

/// <summary>
/// What "open" means for a job offer, in one place for the jobs API, the intake and the career page: not closed by
/// the sync (gone from SR's listings) and not FILLED or CANCELLED in SR.
/// </summary>
internal static class OpenJobs
{
    /// <summary>SR's statuses of a job that no longer takes applicants.</summary>
    public static readonly string[] ClosedStatuses = ["FILLED", "CANCELLED"];

    /// <summary>SR's posting status of a job published on its public career pages and job boards.</summary>
    public const string PublicPosting = "PUBLIC";

    /// <summary>The open offers, as SQL (a null status is open: EF keeps C# null semantics).</summary>
    public static IQueryable<JobOffer> WhereOpen(this IQueryable<JobOffer> offers) =>
        offers.Where(o => !o.IsClosed && !ClosedStatuses.Contains(o.Status!));

    public static bool IsOpen(bool isClosed, string? status) => !isClosed && !(status is not null && ClosedStatuses.Contains(status));
}
