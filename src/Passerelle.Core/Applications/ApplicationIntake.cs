using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Applications;

/// <summary>A file that passed inspection (type decided by content, safe name), still in memory.</summary>
public sealed record IncomingFile(ApplicationFileKind Kind, ReadOnlyMemory<byte> Content, string MediaType, string SafeFileName);

/// <summary>A validated application, ready to be stored.</summary>
public sealed record IntakeRequest(
    ConnectionId ConnectionId, string? SrJobId, ApplicantInput Applicant, IncomingFile Cv, IncomingFile? CoverLetter, string? IdempotencyKey, string Actor);

public enum IntakeResultKind
{
    /// <summary>Stored: the lane delivers it.</summary>
    Accepted,

    /// <summary>The same key and the same content as an earlier request: that application is returned, nothing new stored.</summary>
    Replayed,

    /// <summary>The key was used for a different application.</summary>
    KeyConflict,
    ConnectionNotFound,
    ConnectionDisconnected,
    JobNotFound,
    JobClosed,
}

public sealed record IntakeResult(IntakeResultKind Kind, Application? Application = null);

/// <summary>
/// Stores an application and its files so that it is never lost nor taken twice: the encrypted files are written
/// (and flushed) before the row commits, so an accepted application always has its CV; a unique index on the
/// connection's idempotency key makes concurrent identical requests produce one application, whatever the timing.
/// A failed commit leaves files with no row, which the housekeeping deletes.
/// </summary>
public sealed partial class ApplicationIntake(
    PasserelleDbContext db, EncryptedFileStore files, ApplicantProtector protector, TimeProvider time, ApplicationMetrics metrics, ILogger<ApplicationIntake> logger)
{
    private static readonly string[] ClosedStatuses = ["FILLED", "CANCELLED"];

    public async Task<IntakeResult> AcceptAsync(IntakeRequest request, CancellationToken cancellationToken)
    {
        var hash = RequestHash(request);
        if (request.IdempotencyKey is { } key && await ExistingAsync(request.ConnectionId, key, hash, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == request.ConnectionId, cancellationToken);
        if (connection is null)
        {
            return new IntakeResult(IntakeResultKind.ConnectionNotFound);
        }

        if (connection.Status == ConnectionStatus.Disconnected)
        {
            return new IntakeResult(IntakeResultKind.ConnectionDisconnected);
        }

        if (request.SrJobId is { } jobId)
        {
            var job = await db.JobOffers.AsNoTracking().Where(o => o.ConnectionId == request.ConnectionId && o.SrJobId == jobId)
                .Select(o => new { o.IsClosed, o.Status }).SingleOrDefaultAsync(cancellationToken);
            if (job is null)
            {
                return new IntakeResult(IntakeResultKind.JobNotFound);
            }

            if (job.IsClosed || ClosedStatuses.Contains(job.Status))
            {
                return new IntakeResult(IntakeResultKind.JobClosed);
            }
        }

        var now = time.GetUtcNow();
        var application = new Application
        {
            ConnectionId = request.ConnectionId,
            SrJobId = request.SrJobId,
            IdempotencyKey = request.IdempotencyKey,
            RequestHash = hash,
            ExternalId = request.Applicant.ExternalId,
            Channel = request.Applicant.Channel,
            ProtectedApplicant = protector.Protect(request.Applicant),
            AcceptedAt = now,
            AcceptedBy = request.Actor,
            UpdatedAt = now,
        };

        // Files first, flushed to disk: once the row commits, its files are there.
        var written = new List<string>();
        try
        {
            foreach (var incoming in new[] { request.Cv, request.CoverLetter }.OfType<IncomingFile>())
            {
                var name = $"{application.Id:N}-{(incoming.Kind == ApplicationFileKind.Cv ? "cv" : "cover")}";
                // Over the received bytes, not a copy of them (a CV may be 10 MB).
                using var content = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(incoming.Content, out var segment)
                    ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                    : new MemoryStream(incoming.Content.ToArray(), writable: false);
                var stored = await files.WriteAsync(name, content, cancellationToken);
                written.Add(stored.Name);
                application.Files.Add(new ApplicationFile
                {
                    ApplicationId = application.Id,
                    Kind = incoming.Kind,
                    StoredName = stored.Name,
                    WrappedKey = stored.WrappedKey,
                    ProtectedFileName = protector.ProtectFileName(incoming.SafeFileName),
                    ContentType = incoming.MediaType,
                    Length = stored.Length,
                    Sha256 = stored.Sha256Hex,
                });
            }

            db.Applications.Add(application);
            db.ApplicationSteps.Add(new ApplicationStep { ApplicationId = application.Id, At = now, Step = "accepted", Outcome = "queued", Actor = request.Actor });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (request.IdempotencyKey is not null)
        {
            // Another request with the same key committed first (the unique index): answer as it was answered.
            Delete(written);
            db.ChangeTracker.Clear();
            if (await ExistingAsync(request.ConnectionId, request.IdempotencyKey, hash, CancellationToken.None) is { } winner)
            {
                return winner;
            }

            throw;
        }
        catch
        {
            Delete(written);
            throw;
        }

        metrics.Accepted();
        Log.Accepted(logger, application.Id, request.ConnectionId.Value, request.SrJobId);
        return new IntakeResult(IntakeResultKind.Accepted, application);
    }

    private async Task<IntakeResult?> ExistingAsync(ConnectionId connectionId, string key, string hash, CancellationToken cancellationToken)
    {
        var existing = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.ConnectionId == connectionId && a.IdempotencyKey == key, cancellationToken);
        return existing is null ? null
            : existing.RequestHash == hash ? new IntakeResult(IntakeResultKind.Replayed, existing)
            : new IntakeResult(IntakeResultKind.KeyConflict, existing);
    }

    private void Delete(List<string> written)
    {
        foreach (var name in written)
        {
            files.Delete(name);
        }
    }

    /// <summary>What makes two requests "the same": job, applicant and the files' contents.</summary>
    internal static string RequestHash(IntakeRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes((request.SrJobId ?? "-") + "\n"));
        hash.AppendData(ApplicantProtector.Canonical(request.Applicant));
        foreach (var file in new[] { request.Cv, request.CoverLetter })
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\n" + (file is null ? "-" : Convert.ToHexStringLower(SHA256.HashData(file.Content.Span)))));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Application {ApplicationId} accepted for connection {ConnectionId}, job {JobId}")]
        public static partial void Accepted(ILogger logger, Guid applicationId, Guid connectionId, string? jobId);
    }
}
