using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Passerelle.SmartRecruiters;

/// <summary>The client's instruments (meter <c>Passerelle.SmartRecruiters</c>). Tags carry endpoints and statuses, never ids of people.</summary>
public sealed class SmartRecruitersMetrics
{
    public const string MeterName = "Passerelle.SmartRecruiters";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _tokenRequests;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _duration;

    public SmartRecruitersMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("passerelle.sr.requests", "{request}", "Attempts sent to SmartRecruiters, by endpoint and outcome.");
        _throttled = meter.CreateCounter<long>("passerelle.sr.throttled", "{request}", "Attempts SmartRecruiters answered with 429.");
        _tokenRequests = meter.CreateCounter<long>("passerelle.sr.token_requests", "{request}", "Access-token requests.");
        _inFlight = meter.CreateUpDownCounter<long>("passerelle.sr.in_flight", "{request}", "Attempts waiting for SmartRecruiters' answer.");
        _duration = meter.CreateHistogram<double>("passerelle.sr.request.duration", "s", "Time from sending an attempt to reading its answer.");
    }

    /// <summary>The request counter's tag naming the connection whose credential sent it (absent for the public Posting API).</summary>
    public const string ConnectionTag = "connection";

    internal void Attempt(string endpoint, string outcome, TimeSpan elapsed, string? connectionId)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "outcome", outcome } };

        // Only the counter carries the connection: the console's activity page counts each one's calls against its
        // credential's budget. Connections are few (one per customer), so the series stay bounded.
        var counted = tags;
        if (connectionId is not null)
        {
            counted.Add(ConnectionTag, connectionId);
        }

        _requests.Add(1, counted);
        _duration.Record(elapsed.TotalSeconds, tags);
        if (outcome == "429")
        {
            _throttled.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
        }
    }

    internal void TokenRequested() => _tokenRequests.Add(1);

    internal void InFlight(int delta) => _inFlight.Add(delta);
}
