using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.Core.Connections;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.SmartRecruiters;

namespace Passerelle.Core.Applications;

/// <summary>
/// What a round of the pump did and when to look again. <paramref name="NodeUnavailable"/>: the round stopped because
/// this node lost its database (or cluster) while it ran, as judged when the failure happened; the lane waits for
/// the node without counting a failure of its own.
/// </summary>
public sealed record DeliveryRound(int Delivered, int NeedsReview, int Failed, int Interrupted, string? PausedBecause, bool BackedOff, DateTimeOffset? NextDueAt,
    bool NodeUnavailable = false)
{
    public static DeliveryRound Idle(DateTimeOffset? next) => new(0, 0, 0, 0, null, false, next);
}

/// <summary>
/// A connection's delivery pump, run by its lane: delivers the due applications oldest first, a few at a time
/// (<see cref="ApplicationOptions.DeliveryConcurrency"/>) within the credential's rate budget, which the SR client
/// enforces. When SR does not take a request, the whole connection backs off (not just that application, so the
/// queue keeps its order and SR gets no storm), and the next round probes with one application before opening up.
/// Testable without Orleans: the lane only schedules it.
/// </summary>
public sealed partial class DeliveryPump(
    IServiceScopeFactory scopes, IOptionsMonitor<ApplicationOptions> options, TimeProvider time, NodeHealth health, ILogger<DeliveryPump> logger)
{
    private const int ClaimBatch = 64;

    /// <summary>
    /// Runs one round for <paramref name="connectionId"/> on behalf of <paramref name="owner"/> (the lane activation).
    /// Only one round per connection may run at a time: the lane guarantees it, and the version fence on every
    /// write makes an overlap harmless. <paramref name="probe"/> starts with one application at a time (after a back-off).
    /// Once <paramref name="stopping"/> is cancelled, or the node cannot work (<see cref="NodeHealth"/>), no new step is
    /// started; the steps in flight go on until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<DeliveryRound> RunOnceAsync(ConnectionId connectionId, string owner, bool probe, CancellationToken cancellationToken,
        CancellationToken stopping = default)
    {
        Connection? connection;
        SrCredential? credential = null;
        int interrupted;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            connection = await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken);
            if (connection is null)
            {
                return DeliveryRound.Idle(null);
            }

            var admin = scope.ServiceProvider.GetRequiredService<ApplicationAdmin>();
            if (connection.Status == ConnectionStatus.Disconnected)
            {
                var failed = await admin.FailForDisconnectionAsync(connectionId, cancellationToken);
                return new DeliveryRound(0, 0, failed, 0, "The connection is disconnected.", false, null);
            }

            // Whatever a previous round or lane left mid-create may exist in SR: a person decides. This round is the
            // connection's only deliverer, so nothing of this connection is in flight now.
            interrupted = await admin.ParkInterruptedAsync(connectionId, owner, cancellationToken);
            var paused = connection.PausedBecause();
            if (paused is not null)
            {
                return new DeliveryRound(0, 0, 0, interrupted, paused, false, null);
            }

            var secrets = scope.ServiceProvider.GetRequiredService<SecretProtector>();
            credential = new SrCredential(connectionId.ToString(), new Uri(connection.BaseUrl), connection.ClientId,
                new InMemorySecret(secrets.Unprotect(connection.ProtectedSecret!, connectionId.ToString())));
        }

        var state = new RoundState { Probing = probe };
        var concurrency = options.CurrentValue.DeliveryConcurrency;
        bool MayStart() => !state.Stop && !cancellationToken.IsCancellationRequested && !stopping.IsCancellationRequested && health.CanWork;
        while (MayStart())
        {
            var due = await DueAsync(connectionId, cancellationToken);
            if (due.Count == 0)
            {
                break;
            }

            var queue = new Queue<Guid>(due);
            var workers = new List<Task>();

            // Probing: the first application alone; the others only once SR took it.
            if (state.Probing)
            {
                await DeliverOneAsync(queue.Dequeue(), connection, credential, owner, state, MayStart, cancellationToken);
                if (!MayStart())
                {
                    break;
                }
            }

            for (var i = 0; i < concurrency; i++)
            {
                workers.Add(Task.Run(async () =>
                {
                    while (MayStart())
                    {
                        Guid next;
                        lock (queue)
                        {
                            if (!queue.TryDequeue(out next))
                            {
                                return;
                            }
                        }

                        await DeliverOneAsync(next, connection, credential, owner, state, MayStart, cancellationToken);
                    }
                }, CancellationToken.None));
            }

            await Task.WhenAll(workers);
        }

        // The node's database went away mid-round: the verdict was made when the failure happened, and the round says
        // so rather than rethrowing it. The round ends only once its other workers are done, and those hold SR's answers
        // until the database is back: judged again then, the outage would look like the lane's own failure.
        var nextDue = state.NodeUnavailable ? null : state.RetryAt ?? await NextDueAsync(connectionId, cancellationToken);
        var round = new DeliveryRound(state.Delivered, state.NeedsReview, state.Failed, interrupted, state.PausedBecause, state.RetryAt is not null, nextDue,
            state.NodeUnavailable);
        if (round.Delivered + round.NeedsReview + round.Failed + round.Interrupted > 0 || round.BackedOff)
        {
            Log.Round(logger, connectionId.Value, round.Delivered, round.NeedsReview, round.Failed, round.Interrupted, round.BackedOff);
        }

        return round;
    }

    private async Task DeliverOneAsync(Guid applicationId, Connection connection, SrCredential credential, string owner, RoundState state, Func<bool> mayContinue,
        CancellationToken cancellationToken)
    {
        DeliveryAttempt attempt;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var delivery = scope.ServiceProvider.GetRequiredService<ApplicationDelivery>();
            delivery.Owner = owner;
            delivery.MayContinue = mayContinue;
            attempt = await delivery.DeliverAsync(applicationId, connection, credential, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (DatabaseFailures.IsUnavailable(exception) || await health.ExplainsAsync(exception))
            {
                // Not this application's failure but the node's: it stays where its last recorded step left it, for a
                // later round, and the lane pauses.
                lock (state)
                {
                    state.Stop = true;
                    state.NodeUnavailable = true;
                }

                Log.Unavailable(logger, applicationId);
                return;
            }

            // A bug, or the key ring: stop this round; the lane backs off and the next
            // round parks anything left mid-create for review.
            Log.DeliveryFailed(logger, exception, applicationId);
            lock (state)
            {
                state.Stop = true;
            }

            throw;
        }

        lock (state)
        {
            switch (attempt.End)
            {
                case DeliveryEnd.Delivered:
                    state.Delivered++;
                    state.Probing = false;
                    break;
                case DeliveryEnd.NeedsReview:
                    state.NeedsReview++;
                    break;
                case DeliveryEnd.Failed:
                    state.Failed++;
                    state.Probing = false;
                    break;
                case DeliveryEnd.NotSent:
                    state.Stop = true;
                    state.RetryAt = state.RetryAt is { } at && at > attempt.RetryAt ? at : attempt.RetryAt;
                    break;
                case DeliveryEnd.ConnectionNeedsAttention:
                    state.Stop = true;
                    state.PausedBecause = "The connection needs attention.";
                    break;
            }
        }
    }

    /// <summary>The next due applications of the connection, oldest first.</summary>
    private async Task<List<Guid>> DueAsync(ConnectionId connectionId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var now = time.GetUtcNow();
        return await db.Applications
            .Where(a => a.ConnectionId == connectionId && Pending.Contains(a.State) && a.ProtectedApplicant != null && (a.NextAttemptAt == null || a.NextAttemptAt <= now))
            .OrderBy(a => a.AcceptedAt).ThenBy(a => a.Id)
            .Select(a => a.Id).Take(ClaimBatch).ToListAsync(cancellationToken);
    }

    private async Task<DateTimeOffset?> NextDueAsync(ConnectionId connectionId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        return await db.Applications.Where(a => a.ConnectionId == connectionId && Pending.Contains(a.State) && a.ProtectedApplicant != null)
            .Select(a => (DateTimeOffset?)(a.NextAttemptAt ?? a.AcceptedAt)).MinAsync(cancellationToken);
    }

    /// <summary>States the pump moves on from.</summary>
    internal static readonly ApplicationState[] Pending =
        [ApplicationState.Queued, ApplicationState.Retrying, ApplicationState.CandidateCreated, ApplicationState.ResumeAttached];

    private sealed class RoundState
    {
        public bool Stop;
        public bool Probing;
        public int Delivered;
        public int NeedsReview;
        public int Failed;
        public DateTimeOffset? RetryAt;
        public string? PausedBecause;
        public bool NodeUnavailable;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connection {ConnectionId}: {Delivered} delivered, {NeedsReview} to review, {Failed} failed, {Interrupted} interrupted; backed off: {BackedOff}")]
        public static partial void Round(ILogger logger, Guid connectionId, int delivered, int needsReview, int failed, int interrupted, bool backedOff);

        [LoggerMessage(2, LogLevel.Error, "Application {ApplicationId}: delivery failed unexpectedly; the lane tries again later")]
        public static partial void DeliveryFailed(ILogger logger, Exception exception, Guid applicationId);

        [LoggerMessage(3, LogLevel.Debug, "Application {ApplicationId}: the database does not answer; the application waits for a later round")]
        public static partial void Unavailable(ILogger logger, Guid applicationId);
    }
}
