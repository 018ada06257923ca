using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Applications;

/// <summary>
/// Deletes what must not be kept: the files of applications delivered more than
/// <see cref="ApplicationOptions.RetainFilesFor"/> ago (their keys first, so even a backup of the bytes is
/// unreadable), files no application row owns (an intake that failed after writing them), and stale temporary files.
/// </summary>
public sealed partial class ApplicationHousekeeping(
    PasserelleDbContext db, EncryptedFileStore files, TimeProvider time, IOptionsMonitor<ApplicationOptions> options, ILogger<ApplicationHousekeeping> logger)
{
    /// <summary>A stored file younger than this may belong to an intake still committing its row: left alone.</summary>
    public static readonly TimeSpan OrphanGrace = TimeSpan.FromHours(1);

    public async Task<(int Expired, int Orphans)> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = now - options.CurrentValue.RetainFilesFor;
        var expired = await db.ApplicationFiles
            .Where(f => f.DeletedAt == null && db.Applications.Any(a => a.Id == f.ApplicationId && a.State == ApplicationState.Delivered && a.DeliveredAt < cutoff))
            .Select(f => new { f.Id, f.ApplicationId, f.StoredName }).ToListAsync(cancellationToken);
        foreach (var batch in expired.Chunk(200))
        {
            var ids = batch.Select(f => f.Id).ToList();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.ApplicationFiles.Where(f => ids.Contains(f.Id)).ExecuteUpdateAsync(set => set
                .SetProperty(f => f.WrappedKey, (string?)null)
                .SetProperty(f => f.DeletedAt, now), cancellationToken);
            foreach (var applicationId in batch.Select(f => f.ApplicationId).Distinct())
            {
                db.ApplicationSteps.Add(new ApplicationStep { ApplicationId = applicationId, At = now, Step = "files-deleted", Outcome = "retention", Actor = "system:housekeeping" });
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            foreach (var file in batch)
            {
                files.Delete(file.StoredName);
            }
        }

        // Orphans: stored files that no live file row names (a failed intake, an erasure interrupted after its commit).
        var orphans = 0;
        var candidates = files.List().Where(f => now - f.LastWriteUtc > OrphanGrace).ToList();
        foreach (var batch in candidates.Chunk(500))
        {
            var names = batch.Select(f => f.Name).ToList();
            var owned = (await db.ApplicationFiles.Where(f => names.Contains(f.StoredName) && f.WrappedKey != null).Select(f => f.StoredName).ToListAsync(cancellationToken))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var file in batch.Where(f => !owned.Contains(f.Name)))
            {
                if (files.Delete(file.Name))
                {
                    orphans++;
                }
            }
        }

        files.DeleteStaleTemporaryFiles(OrphanGrace);
        if (expired.Count + orphans > 0)
        {
            Log.Cleaned(logger, expired.Count, orphans);
        }

        return (expired.Count, orphans);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Housekeeping: {Expired} files past retention and {Orphans} orphaned files deleted")]
        public static partial void Cleaned(ILogger logger, int expired, int orphans);
    }
}

/// <summary>Runs <see cref="ApplicationHousekeeping"/> every <see cref="ApplicationOptions.HousekeepingInterval"/> on each node (it is idempotent).</summary>
internal sealed partial class ApplicationHousekeepingWorker(
    IServiceScopeFactory scopes, IOptionsMonitor<ApplicationOptions> options, TimeProvider time, ILogger<ApplicationHousekeepingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ApplicationHousekeeping>().RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                Failed(logger, exception);
            }

            try
            {
                await Task.Delay(options.CurrentValue.HousekeepingInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Housekeeping failed; it runs again at its next interval")]
    private static partial void Failed(ILogger logger, Exception exception);
}
