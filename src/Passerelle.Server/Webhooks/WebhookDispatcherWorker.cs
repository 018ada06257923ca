using Microsoft.Extensions.Options;
using Passerelle.Core.Lanes;
using Passerelle.Core.Webhooks;

namespace Passerelle.Server.Webhooks;

/// <summary>
/// Runs the dispatcher on every node: fan-out then delivery, again at once while events fill a batch or due deliveries
/// were left for the next round (each subscription gets a capped share per round), else
/// after <see cref="WebhookOptions.PollInterval"/>. Nodes never send the same delivery twice: the dispatcher claims
/// its work by conditional updates. A failed round is logged and the next one tries again.
/// </summary>
internal sealed partial class WebhookDispatcherWorker(
    IServiceScopeFactory scopes, IOptions<WebhookOptions> options, TimeProvider time, NodeHealth health, ILogger<WebhookDispatcherWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                // No round while the node cannot reach its database: it would fail, and log so, every poll interval.
                if (!health.CanWork && !health.Stopping)
                {
                    await Task.Delay(NodeHealth.Interval, time, stoppingToken);
                    continue;
                }

                await using var scope = scopes.CreateAsyncScope();
                var (fanOut, delivery) = await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().RunOnceAsync(stoppingToken);
                busy = fanOut.Events >= options.Value.BatchSize || (delivery.MoreDue && delivery.Attempted > 0);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (!await health.ExplainsAsync(e))
                {
                    Log.RoundFailed(logger, e);
                }
            }

            if (!busy)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A webhook dispatch round failed; the next round retries")]
        public static partial void RoundFailed(ILogger logger, Exception exception);
    }
}

public static class WebhookServerExtensions
{
    /// <summary>
    /// Webhooks out: the dispatcher, its <c>Webhooks</c> options (validated at start-up: a bad
    /// <c>Webhooks:PollInterval</c> stops the start with a line quoting it) and the worker that runs it on this node.
    /// </summary>
    public static IServiceCollection AddPasserelleWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddWebhookDispatcher();
        services.AddHostedService<WebhookDispatcherWorker>();
        return services;
    }
}
