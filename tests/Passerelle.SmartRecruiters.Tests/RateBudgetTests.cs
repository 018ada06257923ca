using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using Passerelle.SmartRecruiters.Budget;

namespace Passerelle.SmartRecruiters.Tests;

/// <summary>The budget on a fake clock: exact, whatever the machine's speed.</summary>
public sealed class RateBudgetTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    private RateBudget Budget(int rate = 10, int concurrency = 8, NodeMargin? node = null) =>
        new(new SmartRecruitersOptions { RequestsPerSecond = rate, ConcurrentRequests = concurrency, RateWindowMargin = TimeSpan.FromMilliseconds(20) }, _clock, node);

    [Fact]
    public async Task Ten_sends_go_at_once_and_the_eleventh_waits_a_second_and_the_margin()
    {
        var budget = Budget(concurrency: 100);
        for (var i = 0; i < 10; i++)
        {
            (await budget.AcquireAsync(CancellationToken.None)).Dispose();
        }

        var eleventh = budget.AcquireAsync(CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromMilliseconds(1019));
        await Task.Yield();
        eleventh.IsCompleted.ShouldBeFalse();

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task A_request_that_leaves_later_than_its_slot_holds_back_the_one_that_would_make_eleven_in_a_window()
    {
        var budget = Budget(concurrency: 100);
        // Ten granted at 0; the first of them leaves only at 300 ms (a caller's before-send hook wrote to its database).
        var late = await budget.AcquireAsync(CancellationToken.None);
        for (var i = 0; i < 9; i++)
        {
            (await budget.AcquireAsync(CancellationToken.None)).Dispose();
        }

        // Ten more were given slots at 1,020 ms, a window after 0, before anyone knew.
        var next = Enumerable.Range(0, 10).Select(_ => budget.AcquireAsync(CancellationToken.None).AsTask()).ToList();
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        late.Sent();
        late.Dispose();

        // At 1,020 ms only nine may leave: the tenth would be the eleventh in the window that holds the late one.
        _clock.Advance(TimeSpan.FromMilliseconds(720));
        await Task.Delay(100);
        next.Count(t => t.IsCompleted).ShouldBe(9);

        // It leaves a window after the late one.
        _clock.Advance(TimeSpan.FromMilliseconds(299));
        await Task.Delay(100);
        next.Count(t => t.IsCompleted).ShouldBe(9);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(next).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_ninth_caller_waits_for_one_of_eight_to_finish()
    {
        var budget = Budget(rate: 1000);
        var leases = new List<IDisposable>();
        for (var i = 0; i < 8; i++)
        {
            leases.Add(await budget.AcquireAsync(CancellationToken.None));
        }

        var ninth = budget.AcquireAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        ninth.IsCompleted.ShouldBeFalse();
        budget.InFlight.ShouldBe(8);

        leases[0].Dispose();
        (await ninth.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        budget.InFlight.ShouldBe(7);
    }

    [Fact]
    public async Task A_cancelled_waiter_gives_up_its_place()
    {
        var budget = Budget(rate: 1000, concurrency: 1);
        var held = await budget.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = budget.AcquireAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        budget.InFlight.ShouldBe(0);
        (await budget.AcquireAsync(CancellationToken.None)).Dispose();
    }

    [Fact]
    public async Task Sr_headers_set_the_limits_within_the_configured_ones()
    {
        var budget = Budget(rate: 1000, concurrency: 8);
        budget.Observe(200, Headers(("X-RateLimit-Limit", "50"), ("X-RateLimit-Concurrent-Limit", "2"), ("X-RateLimit-Remaining", "49")));

        var first = await budget.AcquireAsync(CancellationToken.None);
        var second = await budget.AcquireAsync(CancellationToken.None);
        var third = budget.AcquireAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        third.IsCompleted.ShouldBeFalse("SR said two in flight");

        // A later answer with SR's usual limit lifts it again, but never above the configured 8.
        budget.Observe(200, Headers(("X-RateLimit-Concurrent-Limit", "20")));
        var lifted = await third.WaitAsync(TimeSpan.FromSeconds(5));
        var more = new List<IDisposable> { first, second, lifted };
        for (var i = 0; i < 5; i++)
        {
            more.Add(await budget.AcquireAsync(CancellationToken.None));
        }

        var ninth = budget.AcquireAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        ninth.IsCompleted.ShouldBeFalse("the configured limit of 8 still holds");
        more[0].Dispose();
        (await ninth.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        more.Skip(1).ToList().ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task An_endpoint_with_a_limit_of_its_own_does_not_lower_the_credential_budget()
    {
        var budget = Budget(rate: 1000, concurrency: 8);

        // SR gives GET /candidates a concurrency of 1; the probe passes learnLimits: false for it.
        budget.Observe(200, Headers(("X-RateLimit-Concurrent-Limit", "1")), learnLimits: false);

        var leases = new List<IDisposable>();
        for (var i = 0; i < 8; i++)
        {
            leases.Add(await budget.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }

        leases.ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task A_429_with_retry_after_pauses_every_caller_of_the_credential()
    {
        var budget = Budget(concurrency: 100);
        var pause = budget.Observe(429, Headers(("Retry-After", "3")));

        pause.ShouldBe(TimeSpan.FromSeconds(3));
        var next = budget.AcquireAsync(CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromMilliseconds(2990));
        await Task.Yield();
        next.IsCompleted.ShouldBeFalse();
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public void A_429_without_retry_after_backs_off_exponentially_with_jitter()
    {
        var budget = Budget();

        var first = budget.Observe(429, Headers())!.Value;
        var second = budget.Observe(429, Headers())!.Value;
        var third = budget.Observe(429, Headers())!.Value;
        budget.Observe(200, Headers()).ShouldBeNull();
        var afterSuccess = budget.Observe(429, Headers())!.Value;

        first.ShouldBeInRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        second.ShouldBeInRange(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
        third.ShouldBeInRange(TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(2000));
        afterSuccess.ShouldBeInRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), "a success resets the backoff");
    }

    [Fact]
    public void A_429_widens_the_margin_and_a_long_clean_run_narrows_it_back()
    {
        var budget = Budget();
        budget.Margin.ShouldBe(TimeSpan.FromMilliseconds(20));

        budget.Observe(429, Headers(("Retry-After", "1")));
        budget.Observe(429, Headers(("Retry-After", "1")));
        budget.Margin.ShouldBe(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(0.01));

        for (var i = 0; i < 1000; i++)
        {
            budget.Observe(200, Headers());
        }

        // The credential's own margin narrows after 1,000 clean answers; the node's needs ten times more.
        budget.Margin.ShouldBe(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(0.01));
        for (var i = 0; i < 9000; i++)
        {
            budget.Observe(200, Headers());
        }

        budget.Margin.ShouldBe(TimeSpan.FromMilliseconds(35), TimeSpan.FromMilliseconds(0.01));
        for (var i = 0; i < 100; i++)
        {
            budget.Observe(429, Headers(("Retry-After", "0")));
        }

        budget.Margin.ShouldBe(RateBudget.MaxMargin, TimeSpan.FromMilliseconds(0.01));
    }

    [Fact]
    public void A_429_on_one_credential_widens_the_margin_of_every_credential_of_the_node()
    {
        var node = new NodeMargin();
        var throttled = Budget(node: node);
        var other = Budget(node: node);
        var elsewhere = Budget();

        throttled.Observe(429, Headers(("Retry-After", "0")));

        // Jitter between sending and SR's counting belongs to the node and its network, not to one credential.
        other.Margin.ShouldBe(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(0.01));
        elsewhere.Margin.ShouldBe(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(0.01), "another process learns nothing");
    }

    [Fact]
    public async Task On_a_strict_node_a_request_counts_until_a_second_after_its_answer()
    {
        // Ten leave at 0 and are answered at 300 ms: any of them may have reached SR as late as that.
        var (budget, leases) = await TenInFlightOnAStrictNodeAsync();
        var eleventh = budget.AcquireAsync(CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        leases.ForEach(l => l.Dispose());

        // A healthy node would send the eleventh at 1,020 ms (the margin); a strict one a second after the answers.
        await StepAsync(TimeSpan.FromMilliseconds(999));
        eleventh.IsCompleted.ShouldBeFalse("SR may have counted the ten as late as 300 ms");
        await StepAsync(TimeSpan.FromMilliseconds(1));
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task On_a_strict_node_a_request_in_flight_counts_however_long_it_takes()
    {
        var (budget, leases) = await TenInFlightOnAStrictNodeAsync();

        // The ten are still unanswered at 5 s: they may all reach SR now, so an eleventh must not go.
        var eleventh = budget.AcquireAsync(CancellationToken.None).AsTask();
        for (var i = 0; i < 10; i++)
        {
            await StepAsync(TimeSpan.FromMilliseconds(500));
        }

        eleventh.IsCompleted.ShouldBeFalse();
        leases[0].Dispose();
        await StepAsync(TimeSpan.FromMilliseconds(999));
        eleventh.IsCompleted.ShouldBeFalse("the answered one still counts for a second");
        await StepAsync(TimeSpan.FromMilliseconds(1));
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        leases.Skip(1).ToList().ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task A_timer_late_beyond_the_margin_is_reported_as_a_stall_of_five_seconds_and_does_not_make_the_node_strict()
    {
        var node = new NodeMargin();
        var budget = Budget(concurrency: 100, node: node);
        for (var i = 0; i < 10; i++)
        {
            (await budget.AcquireAsync(CancellationToken.None)).Dispose();
        }

        // The eleventh is due at 1,020 ms; a timer 15 ms late is within the 20 ms margin.
        var onTime = budget.AcquireAsync(CancellationToken.None).AsTask();
        await StepAsync(TimeSpan.FromMilliseconds(1035));
        (await onTime.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        node.IsStalled(_clock.GetTimestamp()).ShouldBeFalse("15 ms late is within the margin");

        // Nine more fill the window; the next is due a window after the first of them, and fires 200 ms late.
        for (var i = 0; i < 9; i++)
        {
            (await budget.AcquireAsync(CancellationToken.None)).Dispose();
        }

        var late = budget.AcquireAsync(CancellationToken.None).AsTask();
        await StepAsync(TimeSpan.FromMilliseconds(1220));
        (await late.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        node.IsStalled(_clock.GetTimestamp()).ShouldBeTrue("a timer 200 ms late means requests leave as late");
        node.IsStrict(_clock.GetTimestamp()).ShouldBeFalse("their answers come back as late, so they count as much longer: no need to be strict");

        _clock.Advance(NodeMargin.LateTimerHold - TimeSpan.FromMilliseconds(1));
        node.IsStalled(_clock.GetTimestamp()).ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        node.IsStalled(_clock.GetTimestamp()).ShouldBeFalse("5 s without a late timer");
    }

    [Fact]
    public async Task A_request_answered_late_counts_until_a_second_after_its_answer_less_its_endpoints_quickest_round_trip()
    {
        var budget = Budget(concurrency: 100);
        const string endpoint = "POST /candidates";

        // SR answers this endpoint in 150 ms at the quickest.
        var first = await SentAsync(budget, endpoint);
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        Answer(first, 201);
        _clock.Advance(TimeSpan.FromSeconds(2));

        // Ten leave at once. Nine are answered on time; the first of them comes back 750 ms later: it may have
        // reached SR as late as 600 ms after it left (stalled on this node or on the way, seen by nobody).
        var ten = new List<RateBudget.Lease>();
        for (var i = 0; i < 10; i++)
        {
            ten.Add(await SentAsync(budget, endpoint));
        }

        _clock.Advance(TimeSpan.FromMilliseconds(150));
        ten.Skip(1).ToList().ForEach(l => Answer(l, 201));
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        Answer(ten[0], 201);

        // A window after they left (1,020 ms), the nine on time stop counting (SR counted them by 0 ms, their answers
        // less the floor), so nine more may go; a plain send-time count would let a tenth go too, but SR may count
        // the late one until 1,600 ms (its answer at 750 ms, less the 150 ms floor, plus a second).
        var next = new List<Task<RateBudget.Lease>>();
        for (var i = 0; i < 10; i++)
        {
            next.Add(budget.AcquireAsync(endpoint, CancellationToken.None).AsTask());
        }

        await StepAsync(TimeSpan.FromMilliseconds(1020 - 750));
        next.Take(9).ShouldAllBe(t => t.IsCompleted, "the nine on time count for a window only");
        next[9].IsCompleted.ShouldBeFalse("the late request may still count at SR");
        await StepAsync(TimeSpan.FromMilliseconds(1599 - 1020));
        next[9].IsCompleted.ShouldBeFalse();
        await StepAsync(TimeSpan.FromMilliseconds(1));
        (await next[9].WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        next.Take(9).ToList().ForEach(t => t.Result.Dispose());
    }

    [Fact]
    public async Task Requests_answered_on_time_count_for_a_window_only_and_refusals_do_not_lower_the_floor()
    {
        var budget = Budget(concurrency: 100);
        const string endpoint = "POST /candidates";
        var warm = await SentAsync(budget, endpoint);
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        Answer(warm, 201);

        // A refusal comes back at once: SR counted it, but its quick answer says nothing of how SR serves requests.
        var refused = await SentAsync(budget, endpoint);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Answer(refused, 400);
        _clock.Advance(TimeSpan.FromSeconds(2));

        // Ten answered within 150 ms + the 20 ms margin: the eleventh goes a window after they left, as ever.
        var ten = new List<RateBudget.Lease>();
        for (var i = 0; i < 10; i++)
        {
            ten.Add(await SentAsync(budget, endpoint));
        }

        _clock.Advance(TimeSpan.FromMilliseconds(170));
        ten.ForEach(l => Answer(l, 201));
        var eleventh = budget.AcquireAsync(endpoint, CancellationToken.None).AsTask();
        await StepAsync(TimeSpan.FromMilliseconds(1019 - 170));
        eleventh.IsCompleted.ShouldBeFalse();
        await StepAsync(TimeSpan.FromMilliseconds(1));
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public void A_429_makes_the_node_strict()
    {
        var node = new NodeMargin();
        var budget = Budget(node: node);
        node.IsStrict(_clock.GetTimestamp()).ShouldBeFalse();

        budget.Observe(429, Headers(("Retry-After", "1")));

        node.IsStrict(_clock.GetTimestamp()).ShouldBeTrue("a 429 despite the window means the margin did not hold");

        // Jitter the node cannot see itself may go on: a 429 holds for longer than a late timer.
        _clock.Advance(NodeMargin.ThrottledHold - TimeSpan.FromMilliseconds(1));
        node.IsStrict(_clock.GetTimestamp()).ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        node.IsStrict(_clock.GetTimestamp()).ShouldBeFalse();
    }

    [Fact]
    public async Task Sr_counting_more_requests_in_its_second_than_left_in_the_window_before_one_makes_the_node_strict()
    {
        var node = new NodeMargin();
        var budget = Budget(concurrency: 100, node: node);
        var sent = new List<(RateBudget.Lease Lease, long At)>();
        async Task SendAsync()
        {
            var lease = await SentAsync(budget);
            sent.Add((lease, lease.SentAt!.Value));
        }

        void Answer(int request, int srCount)
        {
            sent[request].Lease.Dispose();
            budget.Observe(200, Headers(("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", (10 - srCount).ToString(System.Globalization.CultureInfo.InvariantCulture))),
                sentAt: sent[request].At);
        }

        // Five requests 100 ms apart; the fourth's answer (200 ms later) counts all five: the fifth left after it but
        // reached SR first, as requests in flight together do. Nothing reached SR later than the margin allows for.
        for (var i = 0; i < 5; i++)
        {
            await SendAsync();
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Answer(3, srCount: 5);
        node.IsStrict(_clock.GetTimestamp()).ShouldBeFalse("SR counted no more than left here within the window");

        // A sixth leaves at 1.4 s. SR counts three in its second as it arrives: itself, the fifth (left 1 s before it),
        // and the fourth, which left 1.1 s before it (beyond the 20 ms margin) and so reached SR that much late.
        _clock.Advance(TimeSpan.FromMilliseconds(900));
        await SendAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        Answer(5, srCount: 3);
        node.IsStrict(_clock.GetTimestamp()).ShouldBeTrue("SR's count shows a request later than the margin: a 429 may follow");
        budget.Margin.ShouldBe(TimeSpan.FromMilliseconds(20), "no 429 came, so the margin is not widened");

        _clock.Advance(NodeMargin.LateTimerHold);
        node.IsStrict(_clock.GetTimestamp()).ShouldBeFalse("5 s without another sign");
    }

    [Fact]
    public async Task The_watchdog_sees_a_stall_when_no_caller_waits_on_a_timer()
    {
        var options = new SmartRecruitersOptions { RateWindowMargin = TimeSpan.FromMilliseconds(20) };
        using var budgets = new RateBudgets(new StaticOptions(options), _clock, watch: true);
        budgets.For("credential");
        await Task.Delay(100);

        // Ticks on time, then one 20 ms late (within the margin): still healthy.
        await StepAsync(RateBudgets.WatchdogPeriod);
        await StepAsync(RateBudgets.WatchdogPeriod + TimeSpan.FromMilliseconds(20));
        budgets.Node.IsStalled(_clock.GetTimestamp()).ShouldBeFalse();

        // The process froze for 300 ms: the next tick fires that late.
        await StepAsync(TimeSpan.FromMilliseconds(300));
        budgets.Node.IsStalled(_clock.GetTimestamp()).ShouldBeTrue("a tick 275 ms late is a stall the margin does not cover");
    }

    private sealed class StaticOptions(SmartRecruitersOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<SmartRecruitersOptions>
    {
        public SmartRecruitersOptions CurrentValue => value;

        public SmartRecruitersOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SmartRecruitersOptions, string?> listener) => null;
    }

    /// <summary>A budget of a node made strict by a 429, with ten requests sent now and not answered yet.</summary>
    private async Task<(RateBudget Budget, List<IDisposable> Leases)> TenInFlightOnAStrictNodeAsync()
    {
        var node = new NodeMargin();
        node.Throttled(0, 0, _clock.GetTimestamp(), _clock.TimestampFrequency);
        var budget = Budget(concurrency: 100, node: node);
        var leases = new List<IDisposable>();
        for (var i = 0; i < 10; i++)
        {
            leases.Add(await budget.AcquireAsync(CancellationToken.None));
        }

        return (budget, leases);
    }

    /// <summary>A request to <paramref name="endpoint"/> that was granted its slot and has left.</summary>
    private static async Task<RateBudget.Lease> SentAsync(RateBudget budget, string? endpoint = null)
    {
        var lease = await budget.AcquireAsync(endpoint, CancellationToken.None);
        lease.Sent();
        return lease;
    }

    /// <summary>SR answered the request of <paramref name="lease"/> with <paramref name="status"/>, and it was read.</summary>
    private static void Answer(RateBudget.Lease lease, int status)
    {
        lease.Read(status);
        lease.Dispose();
    }

    /// <summary>Moves the fake clock and lets the budget's timer continuations run.</summary>
    private async Task StepAsync(TimeSpan step)
    {
        _clock.Advance(step);
        await Task.Delay(50);
    }

    private static HttpResponseHeaders Headers(params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage();
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response.Headers;
    }
}
