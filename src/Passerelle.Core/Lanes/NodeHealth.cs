using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Lanes;

/// <summary>Something this node cannot do its work without, besides SmartRecruiters: its database, its cluster.</summary>
public interface INodeDependency
{
    /// <summary>The check's name, as <c>/health/ready</c> shows it (<c>database</c>, <c>cluster</c>).</summary>
    string Name { get; }

    /// <summary>What an operator does when it does not answer, as a sentence.</summary>
    string Remedy { get; }

    /// <summary>Null when it answers; otherwise why not, in a few words that hold no address, user or password.</summary>
    Task<string?> ProblemAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Whether this node may work: every <see cref="INodeDependency"/> answered at its last check, and the node is not
/// shutting down. The lanes, their delivery pumps and the lane supervisor consult it, so a node that loses its
/// database (or, in a cluster, Redis) pauses its work instead of failing each item in turn, says so once, and
/// resumes by itself when the dependency answers again. Checked every <see cref="Interval"/> by
/// <see cref="NodeHealthWorker"/>, and at once when a lane meets a failure that looks like one.
/// </summary>
public sealed partial class NodeHealth(IEnumerable<INodeDependency> dependencies, ILogger<NodeHealth> logger)
{
    /// <summary>How long one check may take: a database that hangs must not hang the readiness probe or a lane.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How often the dependencies are checked, and how soon a paused lane looks again.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<INodeDependency> _dependencies = [.. dependencies];
    private readonly ConcurrentDictionary<string, string> _missing = new(StringComparer.Ordinal);
    private readonly Lock _checkLock = new();
    private Task<bool>? _check;
    private volatile bool _stopping;

    public IReadOnlyList<INodeDependency> Dependencies => _dependencies;

    /// <summary>True when the lanes on this node may take new work.</summary>
    public bool CanWork => !_stopping && _missing.IsEmpty;

    /// <summary>True once the node has begun to shut down: nothing new is started.</summary>
    public bool Stopping => _stopping;

    /// <summary>The dependencies that did not answer at their last check, with why.</summary>
    public IReadOnlyDictionary<string, string> Missing => new Dictionary<string, string>(_missing, StringComparer.Ordinal);

    /// <summary>Why the node's lanes are paused, or null when they are not.</summary>
    public string? PausedBecause => _stopping ? "This node is shutting down."
        : _missing.IsEmpty ? null
        : $"This node cannot reach its {string.Join(" and ", _missing.Keys.Order(StringComparer.Ordinal))}.";

    /// <summary>Checks every dependency now (callers at the same moment share one round); true when the node can work.</summary>
    public Task<bool> CheckAsync()
    {
        lock (_checkLock)
        {
            if (_check is { IsCompleted: false } running)
            {
                return running;
            }

            _check = RunChecksAsync();
            return _check;
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/>, met by a lane, is this node's dependency going away (confirmed by a check
    /// made now): the caller then pauses quietly, without counting a failure of its own. False for anything else (a
    /// bug, a key ring problem), which the caller reports as before.
    /// </summary>
    public async Task<bool> ExplainsAsync(Exception exception)
    {
        if (!CanWork)
        {
            return true;
        }

        // Every failure is checked, not only those that look like a lost connection: a driver's exception for a
        // connection cut mid-query does not always say so, and a check costs one SELECT.
        Log.Checking(logger, exception.GetType().Name);
        return !await CheckAsync();
    }

    /// <summary>One dependency's answer, bounded by <see cref="CheckTimeout"/>; what it says is noted (see <see cref="Observe"/>).</summary>
    public async Task<string?> ProbeAsync(INodeDependency dependency, CancellationToken cancellationToken)
    {
        string? problem;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            // WaitAsync as well: a driver that ignores cancellation while it connects must not hold the caller.
            problem = await dependency.ProblemAsync(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problem = $"no answer within {CheckTimeout.TotalSeconds:0} s";
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            problem = DatabaseFailures.Describe(exception);
        }

        Observe(dependency, problem);
        return problem;
    }

    /// <summary>Notes a dependency's answer; a change is logged once (a warning when it goes, an information line when it is back).</summary>
    internal void Observe(INodeDependency dependency, string? problem)
    {
        if (_stopping)
        {
            // A node shutting down leaves its cluster on purpose: nothing to report, and nothing more will start.
            return;
        }

        if (problem is null)
        {
            if (_missing.TryRemove(dependency.Name, out _))
            {
                Log.Back(logger, dependency.Name);
            }
        }
        else if (_missing.TryAdd(dependency.Name, problem))
        {
            Log.Lost(logger, dependency.Name, problem, dependency.Remedy);
        }
        else
        {
            _missing[dependency.Name] = problem;
        }
    }

    /// <summary>The host is stopping: lanes take no new step from now on (those in flight finish).</summary>
    internal void BeginStopping() => _stopping = true;

    private async Task<bool> RunChecksAsync()
    {
        await Task.WhenAll(_dependencies.Select(d => ProbeAsync(d, CancellationToken.None)));
        return CanWork;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "This node cannot reach its {Dependency} ({Problem}); its lanes pause until it answers again. {Remedy}")]
        public static partial void Lost(ILogger logger, string dependency, string problem, string remedy);

        [LoggerMessage(3, LogLevel.Debug, "A lane met {ExceptionType}: the node's dependencies are checked at once")]
        public static partial void Checking(ILogger logger, string exceptionType);

        [LoggerMessage(2, LogLevel.Information, "This node reaches its {Dependency} again; its lanes resume")]
        public static partial void Back(ILogger logger, string dependency);
    }
}

/// <summary>The database answers a trivial query (a pooled connection that the network cut fails it, unlike a bare open).</summary>
internal sealed class DatabaseDependency(IServiceScopeFactory scopes) : INodeDependency
{
    public string Name => "database";

    public string Remedy =>
        "Start the database or restore the network path to it, and check ConnectionStrings:Passerelle (host, port, database, user, password); the node resumes by itself once it answers.";

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
        return null;
    }
}

/// <summary>Checks the node's dependencies every <see cref="NodeHealth.Interval"/>, and tells it when the host begins to stop.</summary>
internal sealed class NodeHealthWorker(NodeHealth health, IHostApplicationLifetime lifetime, TimeProvider time) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping fires before any hosted service (the silo included) is stopped: the lanes stop taking
        // new steps first, while the steps in flight finish under the silo's deactivation.
        lifetime.ApplicationStopping.Register(health.BeginStopping);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await health.CheckAsync();
            try
            {
                await Task.Delay(NodeHealth.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
