using Microsoft.Extensions.Diagnostics.HealthChecks;
using Passerelle.Core.Lanes;
using StackExchange.Redis;

namespace Passerelle.Server.Lanes;

/// <summary>
/// In <c>Cluster:Mode=Redis</c>: Redis answers a PING, and this node is <see cref="SiloStatus.Active"/> in the cluster's
/// membership. A node that cannot read the membership may have been declared dead by the others, who then run its
/// lanes; it pauses rather than work beside them (the database's fences would make that harmless, not useful).
/// </summary>
internal sealed class ClusterDependency(ConfigurationOptions redis, IServiceProvider services) : INodeDependency, IAsyncDisposable
{
    // Its own connection, not Orleans' (which is not exposed): a PING proves the path to Redis from this node.
    private readonly Lazy<Task<ConnectionMultiplexer>> _redis = new(() => ConnectionMultiplexer.ConnectAsync(ForChecks(redis)));

    public string Name => "cluster";

    public string Remedy =>
        "Start Redis or restore the network path to it (Cluster:Redis), and check that every node has the same Cluster:ClusterId and reaches the others on Cluster:SiloPort; the node rejoins and resumes by itself.";

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.Value.WaitAsync(cancellationToken);
            await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return $"Redis does not answer ({exception.GetType().Name})";
        }

        if (services.GetService<IClusterMembershipService>() is { } membership && services.GetService<ILocalSiloDetails>() is { } local)
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            if (status != SiloStatus.Active)
            {
                return $"this node is {status} in the cluster's membership, not Active";
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated && _redis.Value.IsCompletedSuccessfully)
        {
            await (await _redis.Value).DisposeAsync();
        }
    }

    /// <summary>Never waits for Redis: connects in the background, and a command without a connection fails at once.</summary>
    private static ConfigurationOptions ForChecks(ConfigurationOptions configured)
    {
        var options = configured.Clone();
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = (int)NodeHealth.CheckTimeout.TotalMilliseconds;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "passerelle-health";
        return options;
    }
}

/// <summary>One <see cref="INodeDependency"/> as a readiness check: its problem and its remedy when it does not answer.</summary>
internal sealed class NodeDependencyHealthCheck(NodeHealth health, string name) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var dependency = health.Dependencies.Single(d => d.Name == name);
        var problem = await health.ProbeAsync(dependency, cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(problem, data: new Dictionary<string, object> { ["remedy"] = dependency.Remedy });
    }
}
