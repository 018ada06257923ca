using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;

namespace Passerelle.Server.Connections;

/// <summary>How often every connection is probed (section <c>Connections</c>).</summary>
public sealed class ConnectionProbeOptions
{
    /// <summary>Interval between probes of every connection. Default 1 day.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// Probes every connection that still has a secret once per interval, so a revoked credential or a removed scope
/// shows up in the connection's status before it costs an applicant. One connection's failure never stops the others.
/// Every node runs this worker; each probe is claimed by a conditional update of <c>LastProbedAt</c>, so with several
/// nodes a connection is still probed once per interval, not once per node.
/// </summary>
internal sealed partial class DailyProbeWorker(IServiceScopeFactory scopes, IOptions<ConnectionProbeOptions> options, TimeProvider time, ILogger<DailyProbeWorker> logger)
    : BackgroundService
{
    public const string Actor = "system:daily-probe";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckEvery(options.Value.ProbeInterval), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.RoundFailed(logger, e);
            }
        }
    }

    /// <summary>A connection is looked at this often, so that its probe is late by at most this much (1 min to 1 h).</summary>
    private static TimeSpan CheckEvery(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Clamp(interval.Ticks / 24, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromHours(1).Ticks));

    /// <summary>
    /// Probes each connection whose last probe is older than the interval (or every connection, when
    /// <paramref name="onlyDue"/> is false) and that no other node claimed first; returns how many were probed.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken, bool onlyDue = true)
    {
        var now = time.GetUtcNow();
        var dueBefore = now - options.Value.ProbeInterval;
        List<(ConnectionId Id, DateTimeOffset? LastProbedAt)> candidates;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var found = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Connections
                .Where(c => c.Status != ConnectionStatus.Disconnected && c.ProtectedSecret != null)
                .Where(c => !onlyDue || c.LastProbedAt == null || c.LastProbedAt <= dueBefore)
                .Select(c => new { c.Id, c.LastProbedAt }).ToListAsync(cancellationToken);
            candidates = [.. found.Select(c => (c.Id, c.LastProbedAt))];
        }

        var probed = 0;
        foreach (var (id, seen) in candidates)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var claimed = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Connections
                    .Where(c => c.Id == id && c.LastProbedAt == seen)
                    .ExecuteUpdateAsync(set => set.SetProperty(c => c.LastProbedAt, now), cancellationToken);
                if (claimed == 0)
                {
                    continue; // another node (or a person's test) probed it meanwhile
                }

                if (await scope.ServiceProvider.GetRequiredService<ConnectionService>().TestAsync(id, Actor, cancellationToken) is not null)
                {
                    probed++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.ProbeFailed(logger, id.ToString(), e);
            }
        }

        Log.Probed(logger, probed, candidates.Count);
        return probed;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The daily probe of connection {ConnectionId} failed")]
        public static partial void ProbeFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "The daily probe round failed; it runs again at the next check")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "Daily probe: {Probed} of {Total} connections probed")]
        public static partial void Probed(ILogger logger, int probed, int total);
    }
}
