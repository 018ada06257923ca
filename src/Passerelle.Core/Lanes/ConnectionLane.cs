using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Lanes;

/// <summary>
/// A connection's lane: it runs queued "sync now" requests first, then the schedule (a full reconcile every
/// <see cref="SyncOptions.FullInterval"/>, an incremental sync every <see cref="SyncOptions.Interval"/>), one sync at
/// a time. It is thin on purpose: the work is <see cref="JobSync"/>, testable without Orleans. The schedule is
/// rebuilt from the recorded runs when the lane starts, so a lane that moves to another node carries on where
/// it was.
/// </summary>
internal sealed partial class ConnectionLane(
    IServiceScopeFactory scopes, IOptionsMonitor<SyncOptions> options, IOptionsMonitor<ApplicationOptions> applicationOptions, TimeProvider time, LaneRegistry registry,
    SyncThrottle throttle, DeliveryPump pump, NodeHealth health, ILogger<ConnectionLane> logger)
    : Grain, IConnectionLane
{
    private IGrainTimer? _timer;
    private IGrainTimer? _deliveryTimer;
    private bool _delivering;
    private bool _deliveryNudged;
    private int _deliveryBackoffs;
    private int _deliveryFailures;
    private int _unconfirmedOutages;
    private DateTimeOffset? _deliveryResumeAt;
    private string? _deliveryPausedBecause;

    // This activation's name on the applications it works on; a later activation (after a failover) takes over.
    private readonly string _owner = Guid.NewGuid().ToString("N")[..12];
    private bool _nudged;
    private int _consecutiveFailures;
    private bool _syncing;
    private string? _pausedBecause;
    private DateTimeOffset? _lastSyncAt;
    private DateTimeOffset? _lastCompleteFullAt;
    private DateTimeOffset? _lastFullAttemptAt;
    private DateTimeOffset? _nextCheckAt;

    private ConnectionId Id => new(this.GetPrimaryKey());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            var runs = db.SyncRuns.Where(r => r.ConnectionId == Id && r.State == SyncRunState.Finished);
            _lastSyncAt = await runs.MaxAsync(r => (DateTimeOffset?)r.StartedAt, cancellationToken);
            _lastCompleteFullAt = await runs.Where(r => r.Kind == SyncKind.Full && r.Complete).MaxAsync(r => (DateTimeOffset?)r.StartedAt, cancellationToken);
            _lastFullAttemptAt = await runs.Where(r => r.Kind == SyncKind.Full).MaxAsync(r => (DateTimeOffset?)r.StartedAt, cancellationToken);
            await scope.ServiceProvider.GetRequiredService<JobSync>().CloseOrphanedRunsAsync(Id, cancellationToken);
        }

        registry.Activated(Id);
        Log.Activated(logger, Id.Value, RuntimeIdentity);

        // Not interleaved: one tick at a time. KeepAlive: an idle lane waiting for its next sync is not collected.
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });

        // Deliveries run beside the syncs (a full sync of a large company takes many minutes; applicants must not
        // wait for it): interleaved with the sync tick, one delivery round at a time. Both share the credential's
        // rate budget, which the SR client enforces for the whole process.
        _deliveryTimer = this.RegisterGrainTimer(DeliverAsync,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, KeepAlive = true, Interleave = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        registry.Deactivated(Id);
        Log.Deactivated(logger, Id.Value, reason.ReasonCode.ToString());
        return Task.CompletedTask;
    }

    public Task WakeAsync() => Task.CompletedTask;

    public Task NudgeAsync()
    {
        _nudged = true;
        if (!_syncing)
        {
            _timer?.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        NudgeDelivery();
        return Task.CompletedTask;
    }

    public Task NudgeDeliveryAsync()
    {
        NudgeDelivery();
        return Task.CompletedTask;
    }

    public Task<LaneState> GetStateAsync() =>
        Task.FromResult(new LaneState(Id.Value, RuntimeIdentity, _syncing, _pausedBecause, _lastSyncAt, _lastCompleteFullAt, _nextCheckAt)
        {
            Delivering = _delivering,
            DeliveryPausedBecause = _deliveryPausedBecause,
            DeliveryResumeAt = _deliveryResumeAt,
        });

    /// <summary>New work (or a fix): deliver now, unless the connection is backing off after SR refused requests.</summary>
    private void NudgeDelivery()
    {
        _deliveryNudged = true;
        if (!_delivering && (_deliveryResumeAt is null || _deliveryResumeAt <= time.GetUtcNow()))
        {
            _deliveryTimer?.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        if (!health.CanWork)
        {
            // The node cannot reach its database or cluster, or is stopping: nothing is tried and nothing counted as a
            // failure (the node logged it once); the applications wait in place and the lane looks again shortly.
            _deliveryPausedBecause = health.PausedBecause;
            _deliveryTimer?.Change(NodeHealth.Interval, Timeout.InfiniteTimeSpan);
            return;
        }

        _deliveryNudged = false;
        _delivering = true;
        var settings = applicationOptions.CurrentValue;
        var supervisor = options.CurrentValue.SupervisorInterval;
        TimeSpan wait;
        try
        {
            // A node that stops takes no new step (cancellationToken, and NodeHealth.Stopping), but lets the steps in
            // flight finish and record SR's answer rather than cutting them off mid-call, which would leave a create
            // in doubt; the grace is bounded, within the host's shutdown timeout (30 s by default).
            using var grace = new CancellationTokenSource();
            await using var stopping = cancellationToken.Register(() => grace.CancelAfter(ShutdownGrace));
            var round = await pump.RunOnceAsync(Id, _owner, probe: _deliveryBackoffs > 0, grace.Token, stopping: cancellationToken);
            _deliveryFailures = 0;
            _deliveryPausedBecause = round.PausedBecause;
            var now = time.GetUtcNow();
            _unconfirmedOutages = round.NodeUnavailable && health.CanWork ? _unconfirmedOutages + 1 : 0;
            if (round.NodeUnavailable)
            {
                // The node lost its database mid-round (it said so once): the applications wait where they are, and
                // the lane looks again shortly, as when the round could not start. When the node's own check finds the
                // database fine round after round, the failure is this lane's after all (a query that times out, say),
                // and it is reported rather than retried in silence.
                if (_unconfirmedOutages == UnconfirmedOutagesToWarn)
                {
                    Log.DatabaseFailsForThisLane(logger, Id.Value, _unconfirmedOutages);
                }

                _deliveryPausedBecause = health.PausedBecause ?? round.PausedBecause;
                _deliveryResumeAt = null;
                wait = NodeHealth.Interval;
            }
            else if (round.BackedOff)
            {
                // The whole connection waits (SR did not take a request); the next round probes with one application.
                _deliveryBackoffs++;
                var resume = now + settings.Backoff(_deliveryBackoffs, null);
                if (round.NextDueAt is { } due && due < resume)
                {
                    resume = due;
                }

                _deliveryResumeAt = resume;
                wait = resume - now;
            }
            else
            {
                if (round.Delivered + round.Failed > 0)
                {
                    _deliveryBackoffs = 0;
                }

                _deliveryResumeAt = null;
                wait = round.PausedBecause is not null || round.NextDueAt is null ? supervisor : Min(round.NextDueAt.Value - now, supervisor);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (await health.ExplainsAsync(exception))
            {
                // The node lost its database (confirmed by a check): it said so once; this lane just waits for it.
                _deliveryPausedBecause = health.PausedBecause;
                _deliveryResumeAt = null;
                wait = NodeHealth.Interval;
            }
            else
            {
                _deliveryFailures++;
                Log.DeliveryFailed(logger, exception, Id.Value, _deliveryFailures);
                wait = RetryAfter(options.CurrentValue, _deliveryFailures);
                _deliveryResumeAt = time.GetUtcNow() + wait;
            }
        }
        finally
        {
            _delivering = false;
        }

        if (_timer is null)
        {
            // The sync tick found the connection gone or disconnected while this round ran; this round failed what waited.
            _deliveryTimer?.Dispose();
            _deliveryTimer = null;
            this.DeactivateOnIdle();
            return;
        }

        if (_deliveryNudged && _deliveryResumeAt is null)
        {
            wait = TimeSpan.Zero;
        }

        // Never a hot loop on work the pump could not take (e.g. an application another lane holds).
        _deliveryTimer?.Change(wait < MinimumDeliveryWait ? MinimumDeliveryWait : wait, Timeout.InfiniteTimeSpan);
    }

    private static readonly TimeSpan MinimumDeliveryWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Rounds in a row stopped by database failures that the node's check does not confirm, before the lane warns.</summary>
    internal const int UnconfirmedOutagesToWarn = 3;

    /// <summary>How long SR calls in flight may run on after the node began to stop (the host's own limit is 30 s by default).</summary>
    internal static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(20);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!health.CanWork)
        {
            // As for deliveries: no sync while the node cannot reach its database or cluster, no failure counted (so no
            // back-off to outlast once it is back), a look again shortly. A nudge meanwhile is kept for then.
            _nextCheckAt = time.GetUtcNow() + NodeHealth.Interval;
            _timer?.Change(NodeHealth.Interval, Timeout.InfiniteTimeSpan);
            return;
        }

        _nudged = false;
        _syncing = true;
        TimeSpan? wait;
        try
        {
            wait = await RunDueAsync(cancellationToken);
            _consecutiveFailures = 0;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (await health.ExplainsAsync(exception))
            {
                // Not this connection's failure but the node's (its database went away): no warning per lane, no back-off.
                wait = NodeHealth.Interval;
            }
            else
            {
                // One connection's failure never stops its lane for good, nor anyone else's: try again later, a little
                // later each time (an interval, doubling, at most an hour), so a failure that persists does not spend
                // the credential's budget on the same work over and over.
                _consecutiveFailures++;
                Log.TickFailed(logger, exception, Id.Value, _consecutiveFailures);
                wait = RetryAfter(options.CurrentValue, _consecutiveFailures);
            }
        }
        finally
        {
            _syncing = false;
        }

        if (wait is null)
        {
            _nextCheckAt = null;
            _timer?.Dispose();
            _timer = null;
            if (!_delivering)
            {
                // The last round fails what the disconnection left waiting, then the lane goes.
                await pump.RunOnceAsync(Id, _owner, probe: false, cancellationToken);
                _deliveryTimer?.Dispose();
                _deliveryTimer = null;
                this.DeactivateOnIdle();
            }

            return;
        }

        // A nudge that came during the tick is served now rather than at the next scheduled time.
        var due = _nudged ? TimeSpan.Zero : wait.Value;
        _nextCheckAt = time.GetUtcNow() + due;
        _timer?.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs what is due and says how long to wait before looking again; null when the lane should stop.</summary>
    private async Task<TimeSpan?> RunDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        Connection? connection;
        List<Guid> queued;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == Id, cancellationToken);
            queued = await db.SyncRuns.Where(r => r.ConnectionId == Id && r.State == SyncRunState.Queued)
                .OrderBy(r => r.RequestedAt).Select(r => r.Id).ToListAsync(cancellationToken);
        }

        if (connection is null || connection.Status == ConnectionStatus.Disconnected)
        {
            // Runs asked for just before the disconnection get their answer ("not run") rather than waiting forever.
            foreach (var runId in queued)
            {
                await SyncAsync(sync => sync.RunQueuedAsync(runId, cancellationToken), cancellationToken);
            }

            return null;
        }

        foreach (var runId in queued)
        {
            Note(await SyncAsync(sync => sync.RunQueuedAsync(runId, cancellationToken), cancellationToken));
        }

        _pausedBecause = connection.PausedBecause();
        if (_pausedBecause is not null)
        {
            // Nothing is asked of SR until a person fixes the connection; the fix nudges the lane, and the
            // supervisor's periodic wake is the safety net.
            return settings.SupervisorInterval;
        }

        if (!settings.Scheduled)
        {
            return settings.SupervisorInterval;
        }

        var interval = connection.SyncInterval ?? settings.Interval;
        var fullInterval = connection.FullSyncInterval ?? settings.FullInterval;
        var now = time.GetUtcNow();

        // A full reconcile that did not complete (SR failing mid-listing) is tried again an incremental interval
        // later, not hours later; until one completes, no job is closed.
        DateTimeOffset NextFull() => _lastCompleteFullAt is { } complete && (_lastFullAttemptAt is null || _lastFullAttemptAt <= complete)
            ? complete + fullInterval
            : (_lastFullAttemptAt ?? now - interval) + interval;
        DateTimeOffset NextIncremental() => (_lastSyncAt ?? now - interval) + interval;

        if (now >= NextFull())
        {
            Note(await SyncAsync(sync => sync.RunOnceAsync(Id, SyncKind.Full, cancellationToken), cancellationToken));
        }
        else if (now >= NextIncremental())
        {
            Note(await SyncAsync(sync => sync.RunOnceAsync(Id, SyncKind.Incremental, cancellationToken), cancellationToken));
        }

        now = time.GetUtcNow();
        var next = NextFull() < NextIncremental() ? NextFull() : NextIncremental();

        // At least a second (a sync skipped for a reason the lane has not seen yet must not spin), and never later
        // than the supervisor's period, so a changed interval is seen within it.
        var wait = next - now;
        return Min(wait < MinimumWait ? MinimumWait : wait, settings.SupervisorInterval);
    }

    private static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(1);

    private Task<SyncRun?> SyncAsync(Func<JobSync, Task<SyncRun?>> run, CancellationToken cancellationToken) => throttle.RunAsync(async () =>
    {
        await using var scope = scopes.CreateAsyncScope();
        var sync = scope.ServiceProvider.GetRequiredService<JobSync>();
        sync.Node = RuntimeIdentity;
        return await run(sync);
    }, cancellationToken);

    private void Note(SyncRun? run)
    {
        if (run is null)
        {
            return;
        }

        _lastSyncAt = _lastSyncAt is { } last && last > run.StartedAt ? last : run.StartedAt;
        if (run.Kind == SyncKind.Full)
        {
            _lastFullAttemptAt = run.StartedAt;
            if (run.Complete)
            {
                _lastCompleteFullAt = run.StartedAt;
            }
        }

        Log.Synced(logger, Id.Value, run.Id, run.Kind.ToString(), run.Complete, run.SrCalls, run.Created, run.Updated, run.Closed);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    internal static TimeSpan RetryAfter(SyncOptions settings, int failures)
    {
        var first = Min(settings.SupervisorInterval, settings.Interval);
        var ticks = first.Ticks * Math.Pow(2, Math.Min(failures - 1, 20));
        return TimeSpan.FromTicks((long)Math.Min(ticks, TimeSpan.FromHours(1).Ticks));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Lane {ConnectionId} active on {Node}")]
        public static partial void Activated(ILogger logger, Guid connectionId, string node);

        [LoggerMessage(2, LogLevel.Debug, "Lane {ConnectionId} deactivated ({Reason})")]
        public static partial void Deactivated(ILogger logger, Guid connectionId, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Lane {ConnectionId}: the sync failed ({Failures} in a row); it is tried again later")]
        public static partial void TickFailed(ILogger logger, Exception exception, Guid connectionId, int failures);

        [LoggerMessage(5, LogLevel.Warning, "Lane {ConnectionId}: the delivery round failed ({Failures} in a row); it is tried again later")]
        public static partial void DeliveryFailed(ILogger logger, Exception exception, Guid connectionId, int failures);

        [LoggerMessage(6, LogLevel.Warning, "Lane {ConnectionId}: {Rounds} delivery rounds in a row stopped on database failures while the node reaches its database; the applications wait. Check the database's load and logs")]
        public static partial void DatabaseFailsForThisLane(ILogger logger, Guid connectionId, int rounds);

        [LoggerMessage(4, LogLevel.Information, "Lane {ConnectionId}: {Kind} sync {RunId} complete={Complete}, {SrCalls} SR calls, {Created} created, {Updated} updated, {Closed} closed")]
        public static partial void Synced(ILogger logger, Guid connectionId, Guid runId, string kind, bool complete, int srCalls, int created, int updated, int closed);
    }
}
