using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Applications;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Server.Jobs;

namespace Passerelle.Server.Applications;

/// <summary>Whether a job may take applicants, as of the connection's last sync.</summary>
internal enum JobAvailability
{
    NotFound,
    Closed,
    Open,
}

/// <summary>
/// The steps every intake takes once its form is read, whatever the form: the platform's multipart API and the demo
/// career page. Both inspect files, check the job and accept through the same code, so that an applicant who applies
/// on the career page meets exactly the rules of the API (only the wording of refusals differs).
/// </summary>
internal static class ApplicationSubmission
{
    /// <summary>The job's availability and SR status, without loading the offer.</summary>
    public static async Task<(JobAvailability Availability, string? Status)> JobAsync(PasserelleDbContext db, ConnectionId connectionId, string jobId,
        CancellationToken cancellationToken)
    {
        var job = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == connectionId && o.SrJobId == jobId)
            .Select(o => new { o.IsClosed, o.Status }).SingleOrDefaultAsync(cancellationToken);
        return job is null ? (JobAvailability.NotFound, null)
            : (OpenJobs.IsOpen(job.IsClosed, job.Status) ? JobAvailability.Open : JobAvailability.Closed, job.Status);
    }

    /// <summary>
    /// Decides what the file is from its bytes (<see cref="CvInspector"/>): the file ready for the intake, or why it is
    /// refused. <paramref name="content"/> is at most <see cref="ApplicationOptions.MaxFileSize"/> long (the caller caps it).
    /// </summary>
    public static (IncomingFile? File, CvRejected? Rejected) Inspect(CvInspector inspector, byte[] content, string? declaredType, string? fileName, ApplicationFileKind kind) =>
        inspector.Inspect(content, declaredType, fileName, kind == ApplicationFileKind.Cv ? "cv" : "cover-letter") switch
        {
            CvAccepted accepted => (new IncomingFile(kind, content, accepted.MediaType, accepted.SafeFileName), null),
            CvRejected rejected => (null, rejected),
            _ => throw new InvalidOperationException("Unknown inspection result."),
        };

    /// <summary>Stores the application and, when it is new, tells the connection's lane so that delivery starts at once.</summary>
    public static async Task<IntakeResult> AcceptAsync(ApplicationIntake intake, ILaneWaker lanes, IntakeRequest request, CancellationToken cancellationToken)
    {
        var result = await intake.AcceptAsync(request, cancellationToken);
        if (result.Kind == IntakeResultKind.Accepted)
        {
            await lanes.NudgeDeliveryAsync(result.Application!.ConnectionId);
        }

        return result;
    }
}
