using System.Diagnostics.Metrics;

namespace Passerelle.Core.Applications;

/// <summary>Applicant instruments (meter <c>Passerelle.Applications</c>): counts by outcome and time to delivery; no ids, no people.</summary>
public sealed class ApplicationMetrics
{
    public const string MeterName = "Passerelle.Applications";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _toDelivery;

    public ApplicationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _accepted = meter.CreateCounter<long>("passerelle.applications.accepted", "{application}", "Applications accepted by the intake (replays not counted).");
        _finished = meter.CreateCounter<long>("passerelle.applications.finished", "{application}",
            "Applications reaching an end, by state (Delivered, Failed, NeedsReview) and code.");
        _toDelivery = meter.CreateHistogram<double>("passerelle.applications.time_to_delivery", "s", "From acceptance to the last step in SR.");
    }

    internal void Accepted() => _accepted.Add(1);

    internal void Finished(Application application, DateTimeOffset at)
    {
        _finished.Add(1, new KeyValuePair<string, object?>("state", application.State.ToString()), new KeyValuePair<string, object?>("code", application.LastErrorCode ?? "none"));
        if (application.State == ApplicationState.Delivered)
        {
            _toDelivery.Record((at - application.AcceptedAt).TotalSeconds);
        }
    }
}
