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
                await Task.Delay(options.Value.ProbeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunOnceAsync(stoppingToken);
        }
    }

    /// <summary>Probes each connection once; returns how many were probed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        List<ConnectionId> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            ids = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Connections
                .Where(c => c.Status != ConnectionStatus.Disconnected && c.ProtectedSecret != null)
                .Select(c => c.Id).ToListAsync(cancellationToken);
        }

        var probed = 0;
        foreach (var id in ids)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
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

        Log.Probed(logger, probed, ids.Count);
        return probed;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The daily probe of connection {ConnectionId} failed")]
        public static partial void ProbeFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "Daily probe: {Probed} of {Total} connections probed")]
        public static partial void Probed(ILogger logger, int probed, int total);
    }
}
