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

    internal void Attempt(string endpoint, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "outcome", outcome } };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
        if (outcome == "429")
        {
            _throttled.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
        }
    }

    internal void TokenRequested() => _tokenRequests.Add(1);

    internal void InFlight(int delta) => _inFlight.Add(delta);
}
