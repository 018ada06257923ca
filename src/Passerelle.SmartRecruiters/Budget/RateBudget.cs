using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Passerelle.SmartRecruiters.Budget;

/// <summary>
/// One <see cref="RateBudget"/> per credential, shared by every caller in the process. From the first budget on, a
/// watchdog ticks every <see cref="WatchdogPeriod"/> and reports how late each tick fires to the node's margin: a
/// stall (a long GC pause, a starved thread pool) shows there within a tick, even when no caller happens to be
/// waiting on a timer. By default it runs on the system clock only: on a test's fake clock a jump is not a stall.
/// </summary>
internal sealed class RateBudgets(IOptionsMonitor<SmartRecruitersOptions> options, TimeProvider time, ILogger? logger = null, bool? watch = null) : IDisposable
{
    internal static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMilliseconds(25);

    private readonly ConcurrentDictionary<string, RateBudget> _budgets = new(StringComparer.Ordinal);
    private readonly NodeMargin _node = new(logger);
    private readonly CancellationTokenSource _stopping = new();
    private int _watching;

    public RateBudget For(string credentialKey)
    {
        // Every request asks for its budget: a plain read keeps the interlocked exchange off that path once started.
        if (Volatile.Read(ref _watching) == 0 && (watch ?? ReferenceEquals(time, TimeProvider.System)) && Interlocked.Exchange(ref _watching, 1) == 0)
        {
            _ = Task.Run(() => WatchAsync(_stopping.Token));
        }

        return _budgets.GetOrAdd(credentialKey, _ => new RateBudget(options.CurrentValue, time, _node));
    }

    /// <summary>The node's margin, shared by every budget.</summary>
    internal NodeMargin Node => _node;

    private async Task WatchAsync(CancellationToken stopping)
    {
        var margin = (long)(options.CurrentValue.RateWindowMargin.TotalSeconds * time.TimestampFrequency);
        var period = (long)(WatchdogPeriod.TotalSeconds * time.TimestampFrequency);
        try
        {
            while (true)
            {
                var due = time.GetTimestamp() + period;
                await Task.Delay(WatchdogPeriod, time, stopping);
                var now = time.GetTimestamp();
                _node.TimerFired(now - due, margin, now, time.TimestampFrequency);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host stops.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

/// <summary>
/// What this process has learnt about the jitter between its clock and SR's counting: a 429 despite the window
/// means requests reach SR less evenly than they leave, and that is a property of this node and its network, not
/// of one credential. So a 429 on any credential widens every credential's margin, and long runs without one
/// narrow it back. Each credential still keeps its own margin too; the wider of the two applies.
/// <para>
/// It also knows when the budget's model cannot be trusted. A request counts until a second after SR can have
/// counted it, which its answer bounds (see <c>RateBudget.End</c>): a stall on this node or on the way makes the
/// answer late too, so stalls cost throughput, not 429s, and this class only reports them (<see cref="TimerFired"/>,
/// from every waiting caller and a watchdog). What the model cannot foresee is SR counting a request later than its
/// quickest round trip says it can (another client on the credential, or SR counting differently than assumed). Two
/// signs show it: a 429 despite the window, and an answer whose <c>X-RateLimit-Remaining</c> shows SR counting more
/// of the credential's requests in its second than left here within the window before that request (see
/// <see cref="RateBudget.Observe"/>). The node is then <em>strict</em>: every credential counts each request until
/// a second after its answer, which no timing can defeat (SR counted it before it answered), at the price of the
/// round trip's share of the second: for <see cref="ThrottledHold"/> after a 429, <see cref="LateTimerHold"/> after
/// a warning.
/// </para>
/// </summary>
internal sealed partial class NodeMargin(ILogger? logger = null)
{
    /// <summary>How long a stall is one episode (one warning), and a node stays strict after SR's warning (see <see cref="Warned"/>).</summary>
    internal static readonly TimeSpan LateTimerHold = TimeSpan.FromSeconds(5);

    /// <summary>How long a node stays strict after a 429.</summary>
    internal static readonly TimeSpan ThrottledHold = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private long _extraTicks;
    private long _successes;
    private long _strictUntil = long.MinValue;
    private bool _strict;
    private long _stalledUntil = long.MinValue;

    /// <summary>Whether a timer of this node fired later than the margin within the last <see cref="LateTimerHold"/>.</summary>
    public bool IsStalled(long now) => now < Volatile.Read(ref _stalledUntil);

    /// <summary>Whether requests count until a second after their answer (see the class summary) at <paramref name="now"/>.</summary>
    public bool IsStrict(long now)
    {
        bool left;
        lock (_gate)
        {
            left = _strict && now >= _strictUntil;
            if (left)
            {
                _strict = false;
            }
        }

        if (left)
        {
            Log.StrictEnded(_logger);
        }

        return !left && now < Volatile.Read(ref _strictUntil);
    }

    /// <summary>
    /// A timer of this node fired <paramref name="lateTicks"/> after its time. Beyond <paramref name="marginTicks"/>,
    /// requests leave later than their stamp by more than the margin. That costs no 429: such a request's answer comes
    /// back as late, so it counts as much longer (see <c>RateBudget.End</c>). It costs throughput, and an operator
    /// should know: one warning per stall (<see cref="LateTimerHold"/> without a late timer ends one).
    /// </summary>
    public void TimerFired(long lateTicks, long marginTicks, long now, long frequency)
    {
        if (lateTicks <= marginTicks)
        {
            return;
        }

        bool entered;
        lock (_gate)
        {
            entered = now >= _stalledUntil;
            Volatile.Write(ref _stalledUntil, Math.Max(_stalledUntil, now + (long)(LateTimerHold.TotalSeconds * frequency)));
        }

        if (entered)
        {
            Log.Stalled(_logger, lateTicks * 1000 / frequency);
        }
    }

    /// <summary>
    /// SR counted <paramref name="counted"/> of a credential's requests in its second where this node sent
    /// <paramref name="sent"/> within the window before the request it answered: some reached SR later than the margin
    /// allows for. The node turns strict before the bunching costs a 429.
    /// </summary>
    public void Warned(int counted, int sent, long now, long frequency)
    {
        if (BecomeStrict(now, frequency, LateTimerHold))
        {
            Log.StrictAfterWarning(_logger, counted, sent);
        }
    }

    /// <summary>Strict until at least <paramref name="hold"/> from now; true when the node was not strict before.</summary>
    private bool BecomeStrict(long now, long frequency, TimeSpan hold)
    {
        lock (_gate)
        {
            var entered = !_strict;
            _strict = true;
            Volatile.Write(ref _strictUntil, Math.Max(_strictUntil, now + (long)(hold.TotalSeconds * frequency)));
            return entered;
        }
    }

    public long ExtraTicks
    {
        get
        {
            lock (_gate)
            {
                return _extraTicks;
            }
        }
    }

    public void Throttled(long step, long max, long now, long frequency)
    {
        lock (_gate)
        {
            _successes = 0;
            _extraTicks = Math.Min(max, _extraTicks + step);
        }

        if (BecomeStrict(now, frequency, ThrottledHold))
        {
            Log.StrictAfter429(_logger);
        }
    }

    public void Succeeded(long threshold, long step)
    {
        lock (_gate)
        {
            if (_extraTicks > 0 && ++_successes >= threshold)
            {
                _successes = 0;
                _extraTicks = Math.Max(0, _extraTicks - step);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "This node's timers fire {LateMilliseconds} ms late (an overloaded or stalled process): its requests to SmartRecruiters leave late and their answers are read late, so each counts longer in its credential's window and deliveries slow down. Give the node more CPU if this warning recurs.")]
        public static partial void Stalled(ILogger logger, long lateMilliseconds);

        [LoggerMessage(2, LogLevel.Warning,
            "SmartRecruiters answered 429 despite the rate window: requests reach it less evenly than they leave, so each now counts in its credential's window until a second after its answer, for at least 30 s.")]
        public static partial void StrictAfter429(ILogger logger);

        [LoggerMessage(4, LogLevel.Warning,
            "SmartRecruiters counted {Counted} of a credential's requests in its last second where this node sent {Sent} in its window: requests reach it less evenly than they leave (a stall on the way or at SmartRecruiters, or another client on the same credential), so each now counts in its credential's window until a second after its answer. It ends after 5 s without another sign.")]
        public static partial void StrictAfterWarning(ILogger logger, int counted, int sent);

        [LoggerMessage(3, LogLevel.Information,
            "Requests to SmartRecruiters count again until a second after SmartRecruiters can have counted them, not after their answers: it has given no 429 or warning lately.")]
        public static partial void StrictEnded(ILogger logger);
    }
}

/// <summary>
/// A credential's share of SR's limits: at most N requests in any sliding second (plus a margin for transit
/// jitter) and at most M in flight. Callers first take a concurrency permit, then reserve the earliest send time the
/// window allows, so waiting callers queue in order instead of stampeding. SR's headers can only tighten it; 429s
/// pause the whole credential (Retry-After when SR sends one, jittered exponential backoff otherwise) and widen the
/// margin, since a 429 despite the window means requests reach SR less evenly than they leave; a long run without
/// one narrows it back towards the configured value. A slot ends a window after its request left, or a second after
/// SR can have counted it if that is later (see <see cref="End"/>); while the node is strict (see
/// <see cref="NodeMargin"/>), a second after its answer.
/// </summary>
internal sealed class RateBudget
{
    private readonly TimeProvider _time;
    private readonly SmartRecruitersOptions _options;
    private readonly Lock _gate = new();
    // Live send slots (reserved, sent, or answered but still counting), sorted by send time. Reservations are handed
    // out in order, never before the latest one, so every live slot has left (or will) before a new one. A slot
    // stays until it is answered, whatever the mode, so that a node turning strict still knows what is in flight.
    private readonly List<Slot> _window = [];
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    // When the requests of the last few seconds really left, in order: what SR's count is compared with (Observe).
    private readonly List<long> _sends = [];
    // Per endpoint, the quickest round trip lately: the least time SR takes between counting a request and our reading
    // its answer (see End).
    private readonly Dictionary<string, RoundTripFloor> _floors = new(StringComparer.Ordinal);
    private readonly long _secondTicks;
    private readonly long _baseMarginTicks;
    private readonly long _maxMarginTicks;
    private readonly long _floorPeriodTicks;
    private readonly long _sendHistoryTicks;
    private long _windowTicks;
    private long _successesSinceThrottle;
    private int _rateLimit;
    private int _concurrencyLimit;
    private int _inFlight;
    private long _pausedUntil;
    private int _consecutiveThrottles;

    private readonly NodeMargin _node;

    public RateBudget(SmartRecruitersOptions options, TimeProvider time, NodeMargin? node = null)
    {
        _node = node ?? new NodeMargin();
        _options = options;
        _time = time;
        _rateLimit = options.RequestsPerSecond;
        _concurrencyLimit = options.ConcurrentRequests;
        _secondTicks = time.TimestampFrequency;
        _baseMarginTicks = Ticks(options.RateWindowMargin);
        _maxMarginTicks = Math.Max(_baseMarginTicks, Ticks(MaxMargin));
        _windowTicks = _secondTicks + _baseMarginTicks;
        _floorPeriodTicks = Ticks(RoundTripFloor.Period);
        _sendHistoryTicks = Ticks(SendHistory);
    }

    /// <summary>How long a send time is kept for comparing with SR's count: longer than any answer takes that is compared.</summary>
    internal static readonly TimeSpan SendHistory = TimeSpan.FromSeconds(10);

    /// <summary>The widest the margin grows after 429s: a quarter of the window, i.e. at worst 8 requests/s of 10.</summary>
    internal static readonly TimeSpan MaxMargin = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan MarginStep = TimeSpan.FromMilliseconds(10);

    private const int SuccessesBeforeNarrowing = 1000;

    /// <summary>The node's margin sees every credential's successes, so it needs this many times more to narrow.</summary>
    private const int NodeNarrowingFactor = 10;

    /// <summary>The current margin added to the one-second window.</summary>
    public TimeSpan Margin
    {
        get
        {
            lock (_gate)
            {
                return TimeSpan.FromSeconds((double)(EffectiveWindow() - _secondTicks) / _secondTicks);
            }
        }
    }

    /// <summary>The window in force: this credential's, or the node's if that has learnt a wider margin.</summary>
    private long EffectiveWindow() => Math.Max(_windowTicks, _secondTicks + _baseMarginTicks + _node.ExtraTicks);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Waits for a concurrency permit and a send slot; dispose the lease when the response has been read.</summary>
    public async ValueTask<Lease> AcquireAsync(CancellationToken cancellationToken) => await AcquireAsync(null, cancellationToken);

    /// <summary>
    /// As <see cref="AcquireAsync(CancellationToken)"/>, for a request to <paramref name="endpoint"/> (e.g.
    /// <c>POST /candidates</c>): its round trips teach the budget how soon after an answer the request stops counting.
    /// </summary>
    public async ValueTask<Lease> AcquireAsync(string? endpoint, CancellationToken cancellationToken)
    {
        await WaitForPermitAsync(cancellationToken);
        try
        {
            while (true)
            {
                Slot slot;
                TimeSpan wait;
                lock (_gate)
                {
                    var now = _time.GetTimestamp();
                    var strict = _node.IsStrict(now);
                    Prune(now, strict);
                    var at = Math.Max(now, _pausedUntil);
                    if (_window.Count > 0)
                    {
                        at = Math.Max(at, _window[^1].At);
                    }

                    if (_window.Count >= _rateLimit)
                    {
                        // Every live slot starts by then, so the new one fits once all but limit - 1 have ended. An
                        // unanswered slot of a strict node ends at the earliest a second from now: the caller wakes
                        // then and checks again.
                        at = Math.Max(at, EarliestFree(now, strict));
                    }

                    slot = new Slot { At = at, Endpoint = endpoint, Floor = Floor(endpoint, now) };
                    _window.Add(slot);
                    wait = TimeSpan.FromSeconds((double)(at - now) / _time.TimestampFrequency);
                }

                try
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken);

                        // How late the timer fired is how late this node runs: requests leave as late after their
                        // stamp, beyond what the margin allows for.
                        var fired = _time.GetTimestamp();
                        _node.TimerFired(fired - slot.At, _baseMarginTicks, fired, _secondTicks);
                    }
                }
                catch
                {
                    lock (_gate)
                    {
                        _window.Remove(slot);
                    }

                    throw;
                }

                lock (_gate)
                {
                    var now = _time.GetTimestamp();
                    _window.Remove(slot);
                    if (now < _pausedUntil || WouldExceed(now, _node.IsStrict(now)))
                    {
                        // A 429 paused the credential while this caller waited, or a request granted before it left
                        // later than its slot (see Lease.Sent), so sending now would put one too many in SR's
                        // window: give the slot back and queue again.
                        continue;
                    }

                    // The timer may fire late: what counts for SR is when the request really leaves.
                    slot.At = Math.Max(slot.At, now);
                    Insert(slot);
                    return new Lease(this, slot);
                }
            }
        }
        catch
        {
            ReleasePermit();
            throw;
        }
    }

    /// <summary>
    /// Learns from SR's answer: its limits, its count of our requests, and 429s. Limits follow SR's headers within
    /// the configured ones, so one endpoint's stricter limit (SR gives <c>GET /candidates</c> a concurrency of 1)
    /// does not stick: callers pass <paramref name="learnLimits"/> false for such endpoints. <paramref name="sentAt"/>
    /// (the lease's <see cref="Lease.SentAt"/>) lets SR's count be checked against what left here in the window before
    /// the request: SR counting more means requests reach it later than the margin allows for, and the node turns
    /// strict (<see cref="NodeMargin.Warned"/>).
    /// </summary>
    public TimeSpan? Observe(int status, HttpResponseHeaders headers, bool learnLimits = true, long? sentAt = null)
    {
        lock (_gate)
        {
            var srLimit = Header(headers, "X-RateLimit-Limit");
            if (learnLimits && srLimit is { } limit && limit >= 1)
            {
                _rateLimit = Math.Min(limit, _options.RequestsPerSecond);
            }

            if (learnLimits && Header(headers, "X-RateLimit-Concurrent-Limit") is { } concurrent && concurrent >= 1)
            {
                SetConcurrencyLimit(Math.Min(concurrent, _options.ConcurrentRequests));
            }

            var now = _time.GetTimestamp();
            Prune(now, _node.IsStrict(now));
            if (learnLimits && status != 429 && Header(headers, "X-RateLimit-Remaining") is { } remaining)
            {
                // SR counted more of our requests in its window than we sent in ours: someone else shares the
                // credential (another process, another node). Count the difference as sent (and answered) now.
                var window = EffectiveWindow();
                var ours = _window.Count(s => s.At <= now && now - s.At < window);
                for (var extra = _rateLimit - remaining - ours - 1; extra > 0; extra--)
                {
                    Insert(new Slot { At = now, Answered = now });
                }

                if (sentAt is { } sent && now - sent < _sendHistoryTicks - window)
                {
                    // (An answer slower than the history holds, a long upload's say, is not compared: the sends of
                    // the window before it are forgotten.)
                    // SR's count is of the requests that reached it in the second before this one did, itself
                    // included. Every one of ours among them left before this answer came back, and, unless it took
                    // longer than this one by more than the margin, after the window before this one left.
                    var counted = (srLimit ?? _rateLimit) - remaining;
                    var left = SentSince(sent - window);
                    if (counted > left)
                    {
                        _node.Warned(counted, left, now, _secondTicks);
                    }
                }
            }

            if (status != 429)
            {
                _consecutiveThrottles = 0;
                _node.Succeeded(SuccessesBeforeNarrowing * NodeNarrowingFactor, Ticks(MarginStep) / 2);
                if (++_successesSinceThrottle >= SuccessesBeforeNarrowing && _windowTicks - _secondTicks > _baseMarginTicks)
                {
                    _successesSinceThrottle = 0;
                    _windowTicks = Math.Max(_secondTicks + _baseMarginTicks, _windowTicks - (Ticks(MarginStep) / 2));
                }

                return null;
            }

            _consecutiveThrottles++;
            _successesSinceThrottle = 0;
            _windowTicks = Math.Min(_secondTicks + _maxMarginTicks, _windowTicks + Ticks(MarginStep));
            _node.Throttled(Ticks(MarginStep), _maxMarginTicks - _baseMarginTicks, now, _secondTicks);
            var pause = headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - _time.GetUtcNow(),
                _ => Backoff.Jittered(_options.BackoffBase, _options.BackoffCap, _consecutiveThrottles),
            };
            pause = pause < TimeSpan.Zero ? TimeSpan.Zero : pause;
            _pausedUntil = Math.Max(_pausedUntil, now + (long)(pause.TotalSeconds * _time.TimestampFrequency));
            return pause;
        }
    }

    /// <summary>How many requests left after <paramref name="from"/> (a second's worth, counted from the latest).</summary>
    private int SentSince(long from)
    {
        var count = 0;
        for (var i = _sends.Count - 1; i >= 0 && _sends[i] > from; i--)
        {
            count++;
        }

        return count;
    }

    /// <summary>Notes that a request left at <paramref name="at"/>, and forgets those older than <see cref="SendHistory"/>.</summary>
    private void RecordSend(long at)
    {
        var index = _sends.Count;
        while (index > 0 && _sends[index - 1] > at)
        {
            index--;
        }

        _sends.Insert(index, at);
        var horizon = at - _sendHistoryTicks;
        var old = 0;
        while (old < _sends.Count && _sends[old] < horizon)
        {
            old++;
        }

        _sends.RemoveRange(0, old);
    }

    /// <summary>When all live slots but limit - 1 have ended (unanswered ones of a strict node at the earliest).</summary>
    private long EarliestFree(long now, bool strict)
    {
        // A window holds a rate limit's worth of slots and the few in flight beyond it: the stack is enough.
        Span<long> ends = _window.Count <= 256 ? stackalloc long[_window.Count] : new long[_window.Count];
        for (var i = 0; i < ends.Length; i++)
        {
            ends[i] = End(_window[i], now, strict, earliest: true);
        }

        ends.Sort();
        return ends[ends.Length - _rateLimit];
    }

    /// <summary>Drops the slots that are answered and no longer count.</summary>
    private void Prune(long now, bool strict) => _window.RemoveAll(s => s.Answered is not null && End(s, now, strict, earliest: false) <= now);

    /// <summary>
    /// When <paramref name="slot"/> stops counting: a window after it left, and not before a second after SR can have
    /// counted it. SR counts a request when it reaches it, at the latest its round trip's floor (the quickest answer
    /// of its endpoint lately, see <see cref="RoundTripFloor"/>) before its answer was read. A request delayed on the
    /// way, on this node or at SR, comes back that much later, so it counts that much longer, whether or not the node
    /// saw the stall; a request on time ends a window after it left, as a plain send-time count would. On a strict
    /// node the floor is not trusted: a second after the answer. An unanswered slot counts until it is answered, so
    /// its end is unknown: <paramref name="earliest"/> gives the soonest it can be (answered now), otherwise it never
    /// ends.
    /// </summary>
    private long End(Slot slot, long now, bool strict, bool earliest)
    {
        var sent = slot.At + EffectiveWindow();
        var after = _secondTicks - (strict ? 0 : slot.Floor);
        var answered = slot.Answered is { } at ? at + after : earliest ? Math.Max(now, slot.At) + after : long.MaxValue;
        return Math.Max(sent, answered);
    }

    /// <summary>The round trip floor of <paramref name="endpoint"/> now, in ticks (0 while unknown: a second after the answer).</summary>
    private long Floor(string? endpoint, long now) =>
        endpoint is not null && _floors.TryGetValue(endpoint, out var floor) ? floor.Ticks(now, _floorPeriodTicks) : 0;

    /// <summary>Whether a request leaving at <paramref name="now"/> would be one too many in SR's window.</summary>
    private bool WouldExceed(long now, bool strict)
    {
        var count = 0;
        foreach (var other in _window)
        {
            if (other.At <= now && now < End(other, now, strict, earliest: false))
            {
                count++;
            }
        }

        return count >= _rateLimit;
    }

    /// <summary>
    /// The request of <paramref name="slot"/> has its answer (<paramref name="status"/>), or was given up or never left
    /// (null): when it stops counting follows from then (see <see cref="End"/>).
    /// </summary>
    private void Answered(Slot slot, int? status)
    {
        lock (_gate)
        {
            if (slot.Answered is not null)
            {
                return;
            }

            var now = _time.GetTimestamp();
            slot.Answered = now;
            if (status is not (>= 200 and < 300) || !slot.Left)
            {
                // Only successes teach the floor, and only theirs can be trusted: SR refuses or fails a request
                // quicker than it serves one, and a request given up or cut off says nothing of when SR counted it.
                slot.Floor = 0;
            }
            else if (slot.Endpoint is { } endpoint)
            {
                if (!_floors.TryGetValue(endpoint, out var floor))
                {
                    _floors[endpoint] = floor = new RoundTripFloor();
                }

                floor.Note(now - slot.At, now, _floorPeriodTicks);
                slot.Floor = Math.Min(slot.Floor, floor.Ticks(now, _floorPeriodTicks));
            }
        }
    }

    /// <summary>
    /// The request of <paramref name="slot"/> leaves now, later than the slot it was granted (work between the grant
    /// and the send, such as a caller's before-send hook): what counts for SR is when it really leaves, so its slot
    /// moves there, and requests granted later check the window again before they leave.
    /// </summary>
    private void Sent(Slot slot)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (now > slot.At && _window.Remove(slot))
            {
                slot.At = now;
                Insert(slot);
            }

            slot.Left = true;
            RecordSend(slot.At);
        }
    }

    private void Insert(Slot slot)
    {
        var index = _window.Count;
        while (index > 0 && _window[index - 1].At > slot.At)
        {
            index--;
        }

        _window.Insert(index, slot);
    }

    /// <summary>Raising the limit wakes waiters at once; lowering it takes effect as requests finish.</summary>
    private void SetConcurrencyLimit(int limit)
    {
        _concurrencyLimit = limit;
        while (_inFlight < _concurrencyLimit && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _inFlight++;
            first.Value.TrySetResult();
        }
    }

    private async ValueTask WaitForPermitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_inFlight < _concurrencyLimit && _waiters.Count == 0)
            {
                _inFlight++;
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(waiter);
        }

        await using var registration = cancellationToken.Register(() =>
        {
            bool removed;
            lock (_gate)
            {
                removed = node.List is not null;
                if (removed)
                {
                    _waiters.Remove(node);
                }
            }

            if (removed)
            {
                waiter.TrySetCanceled(cancellationToken);
            }
        });
        await waiter.Task;
    }

    private void ReleasePermit()
    {
        TaskCompletionSource? next = null;
        lock (_gate)
        {
            if (_inFlight <= _concurrencyLimit && _waiters.First is { } first)
            {
                // Hand the permit straight to the next waiter: in flight stays the same.
                _waiters.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _inFlight--;
            }
        }

        next?.TrySetResult();
    }

    private static int? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values)
        && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    internal sealed class Slot
    {
        /// <summary>When the request leaves (or is due to).</summary>
        public long At { get; set; }

        /// <summary>When its answer was read, or it was given up; null while in flight.</summary>
        public long? Answered { get; set; }

        /// <summary>Whether its request left (<see cref="Lease.Sent"/>): <see cref="At"/> is then when.</summary>
        public bool Left { get; set; }

        /// <summary>The endpoint its request goes to, when the caller said.</summary>
        public string? Endpoint { get; init; }

        /// <summary>Its endpoint's round trip floor, in ticks, when it was granted (and no more after its answer).</summary>
        public long Floor { get; set; }
    }

    internal sealed class Lease(RateBudget budget, Slot slot) : IDisposable
    {
        private int _released;

        /// <summary>Call right before the request leaves: its slot moves to now if it leaves later than granted.</summary>
        public void Sent() => budget.Sent(slot);

        /// <summary>When the request left (a <see cref="TimeProvider"/> timestamp), once <see cref="Sent"/> was called.</summary>
        public long? SentAt => slot.Left ? slot.At : null;

        /// <summary>Call once SR's answer (<paramref name="status"/>) has been read: a success's round trip teaches the endpoint's floor.</summary>
        public void Read(int status) => budget.Answered(slot, status);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Answered(slot, status: null);
                budget.ReleasePermit();
            }
        }
    }

    /// <summary>
    /// The quickest round trip of one endpoint over the last one to two <see cref="Period"/>s: a bound on how soon
    /// before its answer SR counted a request. The quickest, because SR's time between counting and answering is at
    /// least that of its quickest answer less the way there, which loopback makes nil and the margin covers elsewhere.
    /// Two periods, so that a round trip SR once gave quicker than it does now stops making requests count longer.
    /// </summary>
    internal sealed class RoundTripFloor
    {
        internal static readonly TimeSpan Period = TimeSpan.FromMinutes(5);

        private long _current = long.MaxValue;
        private long _previous = long.MaxValue;
        private long _since = long.MinValue;

        public void Note(long roundTrip, long now, long period)
        {
            Roll(now, period);
            _current = Math.Min(_current, Math.Max(0, roundTrip));
        }

        public long Ticks(long now, long period)
        {
            Roll(now, period);
            var floor = Math.Min(_current, _previous);
            return floor == long.MaxValue ? 0 : floor;
        }

        private void Roll(long now, long period)
        {
            if (_since == long.MinValue)
            {
                _since = now;
            }
            else if (now - _since >= period)
            {
                _previous = now - _since >= 2 * period ? long.MaxValue : _current;
                _current = long.MaxValue;
                _since = now;
            }
        }
    }
}

internal static class Backoff
{
    /// <summary>Exponential backoff with jitter: between half and all of base × 2^(attempt−1), capped.</summary>
    public static TimeSpan Jittered(TimeSpan baseDelay, TimeSpan cap, int attempt)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, cap.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }
}
