using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Lanes;

/// <summary>
/// Runs on every node: at start and every <see cref="SyncOptions.SupervisorInterval"/>, wakes the lane of every
/// connection that is not disconnected. Orleans routes each wake to the lane's single activation (creating it on
/// some node if it has none), so after a restart or the loss of a node, lanes come back without anyone's help.
/// </summary>
internal sealed partial class LaneSupervisorWorker(
    IServiceScopeFactory scopes, IGrainFactory grains, IOptionsMonitor<SyncOptions> options, TimeProvider time, NodeHealth health, ILogger<LaneSupervisorWorker> logger)
    : BackgroundService
{
    /// <summary>Wakes in flight at once: enough to start hundreds of lanes quickly without flooding the silo.</summary>
    private const int Parallelism = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // While the node cannot reach its database or cluster, no round (it would only fail, lane by lane); the
            // node is looked at again every NodeHealth.Interval, so a round runs as soon as it is back.
            var paused = !health.CanWork;
            if (!paused)
            {
                try
                {
                    await WakeAllAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    paused = await health.ExplainsAsync(exception);
                    if (!paused)
                    {
                        Log.RoundFailed(logger, exception);
                    }
                }
            }

            try
            {
                await Task.Delay(paused ? NodeHealth.Interval : options.CurrentValue.SupervisorInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task<int> WakeAllAsync(CancellationToken cancellationToken)
    {
        List<ConnectionId> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            ids = await db.Connections.Where(c => c.Status != ConnectionStatus.Disconnected && c.ProtectedSecret != null)
                .Select(c => c.Id).ToListAsync(cancellationToken);
        }

        var failed = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (id, _) =>
        {
            try
            {
                await grains.GetGrain<IConnectionLane>(id.Value).WakeAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A node leaving the cluster can fail a few calls; the next round wakes them.
                Interlocked.Increment(ref failed);
                Log.WakeFailed(logger, exception, id.Value);
            }
        });
        return ids.Count - failed;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The lane supervisor's round failed; it runs again at the next interval")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "The lane of connection {ConnectionId} could not be woken; the next round tries again")]
        public static partial void WakeFailed(ILogger logger, Exception exception, Guid connectionId);
    }
}
