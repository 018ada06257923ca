using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;

namespace Passerelle.Core.Lanes;

public static class LaneServiceCollectionExtensions
{
    /// <summary>
    /// Job sync and the lanes' services (the grains themselves are found by the Orleans silo the host adds):
    /// <c>Sync</c> options validated at start, the per-node lane registry and the lane supervisor.
    /// </summary>
    public static IServiceCollection AddPasserelleLanes(this IServiceCollection services)
    {
        services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SyncOptions>, SyncOptionsValidator>();
        services.AddScoped(sp => new JobSync(
            sp.GetRequiredService<PasserelleDbContext>(), sp.GetRequiredService<SmartRecruitersClient>(), sp.GetRequiredService<SecretProtector>(),
            sp.GetRequiredService<TimeProvider>())
        {
            UnreachableAfter = sp.GetRequiredService<IOptions<SyncOptions>>().Value.UnreachableAfter,
        });
        services.AddNodeHealth();
        services.AddHostedService<NodeHealthWorker>();
        services.AddSingleton<LaneRegistry>();
        services.AddSingleton<SyncThrottle>();
        services.AddHostedService<LaneSupervisorWorker>();
        services.AddScoped<ILaneWaker, GrainLaneWaker>();
        return services;
    }

    /// <summary>
    /// The node's health (<see cref="NodeHealth"/>) with its database check; a host adds its other dependencies as
    /// <see cref="INodeDependency"/> singletons. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddNodeHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<NodeHealth>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeDependency, DatabaseDependency>());
        return services;
    }

    /// <summary>Says exactly which setting is wrong, with its value, so the start fails with a line to act on.</summary>
    private sealed class SyncOptionsValidator : IValidateOptions<SyncOptions>
    {
        public ValidateOptionsResult Validate(string? name, SyncOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>How the API side tells a lane that something changed for its connection ("Server writes rows and wakes lanes").</summary>
public interface ILaneWaker
{
    /// <summary>Nudges the connection's lane; never throws (the supervisor's next round is the safety net).</summary>
    Task NudgeAsync(ConnectionId id);

    /// <summary>Tells the connection's lane that applications wait; never throws (the supervisor's next round is the safety net).</summary>
    Task NudgeDeliveryAsync(ConnectionId id);
}

internal sealed partial class GrainLaneWaker(IGrainFactory grains, Microsoft.Extensions.Logging.ILogger<GrainLaneWaker> logger) : ILaneWaker
{
    public async Task NudgeAsync(ConnectionId id)
    {
        try
        {
            await grains.GetGrain<IConnectionLane>(id.Value).NudgeAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            NudgeFailed(logger, exception, id.Value);
        }
    }

    public async Task NudgeDeliveryAsync(ConnectionId id)
    {
        try
        {
            await grains.GetGrain<IConnectionLane>(id.Value).NudgeDeliveryAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            NudgeFailed(logger, exception, id.Value);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(1, Microsoft.Extensions.Logging.LogLevel.Warning, "The lane of connection {ConnectionId} could not be nudged; the supervisor will wake it")]
    private static partial void NudgeFailed(Microsoft.Extensions.Logging.ILogger logger, Exception exception, Guid connectionId);
}
