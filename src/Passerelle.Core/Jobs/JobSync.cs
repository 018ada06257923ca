using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;
using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.Core.Jobs;

/// <summary>
/// One sync of a connection's jobs with the fewest SR calls: a listing (only jobs updated since the watermark, for
/// an incremental sync), then details only for jobs that are new or whose <c>updatedOn</c> changed. A full sync
/// also closes jobs, but only those missing from two consecutive complete listings, never on a partial one.
/// Testable without the lanes, which schedule it.
/// </summary>
public sealed class JobSync(PasserelleDbContext db, SmartRecruitersClient sr, SecretProtector secrets, TimeProvider time)
{
    /// <summary>Incremental syncs ask from this long before the watermark, so a job updated during the last sync is not missed.</summary>
    public static readonly TimeSpan WatermarkOverlap = TimeSpan.FromMinutes(5);

    public async Task<SyncRun?> RunOnceAsync(ConnectionId id, SyncKind kind, CancellationToken cancellationToken = default)
    {
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection?.ProtectedSecret is null || connection.Status == ConnectionStatus.Disconnected)
        {
            return null;
        }

        var run = new SyncRun { ConnectionId = id, Kind = kind, StartedAt = time.GetUtcNow() };
        var credential = new SrCredential(id.ToString(), new Uri(connection.BaseUrl), connection.ClientId,
            new InMemorySecret(secrets.Unprotect(connection.ProtectedSecret, id.ToString())));
        var offers = await db.JobOffers.Where(o => o.ConnectionId == id).ToDictionaryAsync(o => o.SrJobId, cancellationToken);
        var updatedAfter = kind == SyncKind.Incremental && connection.SyncWatermark is { } watermark ? watermark - WatermarkOverlap : (DateTimeOffset?)null;

        var listing = sr.ListJobsAsync(credential, new JobQuery { UpdatedAfter = updatedAfter });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var newestUpdate = connection.SyncWatermark;
        await foreach (var summary in listing.WithCancellation(cancellationToken))
        {
            seen.Add(summary.Id);
            if (summary.UpdatedOn > newestUpdate || newestUpdate is null)
            {
                newestUpdate = summary.UpdatedOn;
            }

            offers.TryGetValue(summary.Id, out var existing);
            if (existing is not null && existing.SrUpdatedOn == summary.UpdatedOn && !existing.IsClosed)
            {
                continue;
            }

            var details = await sr.GetJobAsync(credential, summary.Id, cancellationToken: cancellationToken);
            run.SrCalls++;
            if (!details.IsSuccess)
            {
                // The listing goes on; this job is fetched again next time, as its updatedOn is still unknown here.
                run.Error ??= details.Detail;
                continue;
            }

            if (existing is null)
            {
                existing = new JobOffer { ConnectionId = id, SrJobId = summary.Id, RawJson = details.Value.RawJson, FirstSeenAt = run.StartedAt };
                db.JobOffers.Add(existing);
                offers[summary.Id] = existing;
                run.Created++;
            }
            else
            {
                run.Updated++;
            }

            Apply(existing, details.Value, run.StartedAt);
        }

        run.Pages = listing.Pages;
        run.SrCalls += listing.Pages;
        run.Complete = listing.IsComplete;
        if (!listing.IsComplete)
        {
            run.Error = listing.Failure?.Detail ?? $"The listing stopped early ({listing.Stop}).";
        }
        else
        {
            if (kind == SyncKind.Incremental || updatedAfter is null)
            {
                connection.SyncWatermark = newestUpdate;
            }

            if (kind == SyncKind.Full)
            {
                foreach (var offer in offers.Values.Where(o => !o.IsClosed))
                {
                    if (seen.Contains(offer.SrJobId))
                    {
                        offer.MissingListings = 0;
                    }
                    else if (++offer.MissingListings >= 2)
                    {
                        offer.IsClosed = true;
                        offer.ClosedAt = run.StartedAt;
                        run.Closed++;
                    }
                }
            }
        }

        run.FinishedAt = time.GetUtcNow();
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    private static void Apply(JobOffer offer, JobDetails job, DateTimeOffset now)
    {
        offer.Title = job.Title;
        offer.RefNumber = job.RefNumber;
        offer.Status = job.Status;
        offer.PostingStatus = job.PostingStatus;
        offer.Department = job.Department?.Label;
        offer.City = job.Location?.City;
        offer.CountryCode = job.Location?.CountryCode;
        offer.EmploymentType = job.TypeOfEmployment?.Label;
        offer.ExperienceLevel = job.ExperienceLevel?.Label;
        offer.Function = job.Function?.Label;
        offer.Industry = job.Industry?.Label;
        offer.CompensationMin = job.Compensation?.Min;
        offer.CompensationMax = job.Compensation?.Max;
        offer.CompensationCurrency = job.Compensation?.Currency;
        offer.Language = job.Language?.Code;
        offer.ApplyUrl = job.Actions?.ApplyOnWeb?.Url;
        offer.SrCreatedOn = job.CreatedOn;
        offer.SrUpdatedOn = job.UpdatedOn;
        offer.RawJson = job.RawJson;
        offer.IsClosed = false;
        offer.ClosedAt = null;
        offer.MissingListings = 0;
        offer.LastSyncedAt = now;
    }
}
