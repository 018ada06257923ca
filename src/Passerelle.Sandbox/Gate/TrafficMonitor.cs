using System.Collections.Concurrent;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Gate;

/// <summary>
/// SR's per-credential limits and the counters the tests and the bench read back. The request-rate limit is a
/// sliding one-second window (the strictest reading of "10 requests per second": no second, wherever it starts,
/// admits more), and the concurrency limit counts requests from admission until the response is complete.
/// </summary>
public sealed class TrafficMonitor(SandboxState state)
{
    private readonly ConcurrentDictionary<string, CredentialTraffic> _traffic = new(StringComparer.Ordinal);

    /// <summary>Admits a request of <paramref name="key"/> to <paramref name="endpoint"/>, or says why not.</summary>
    /// <param name="key">The caller: a client id, or <c>apikey:company</c>.</param>
    /// <param name="endpoint">The endpoint's name in the stats.</param>
    /// <param name="isToken">A token request (counted apart as well).</param>
    /// <param name="endpointConcurrency">A concurrency limit of the endpoint's own, counted apart and also bounded by the credential's.</param>
    internal Admission TryAdmit(string key, string endpoint, bool isToken, int? endpointConcurrency = null)
    {
        var settings = state.Settings;
        var concurrencyLimit = Math.Min(settings.ConcurrentRequests, endpointConcurrency ?? int.MaxValue);
        var traffic = _traffic.GetOrAdd(key, _ => new CredentialTraffic());
        var now = state.Time.GetTimestamp();
        var windowTicks = state.Time.TimestampFrequency;
        lock (traffic.Gate)
        {
            while (traffic.Window.Count > 0 && now - traffic.Window.Peek() >= windowTicks)
            {
                traffic.Window.Dequeue();
            }

            traffic.Requests++;
            var counters = traffic.Endpoint(endpoint);
            counters.Requests++;
            if (isToken)
            {
                traffic.TokenRequests++;
            }

            var endpointBusy = endpointConcurrency is not null && counters.InFlight >= endpointConcurrency;
            if (traffic.Window.Count >= settings.RequestsPerSecond || traffic.InFlight >= settings.ConcurrentRequests || endpointBusy)
            {
                traffic.Throttled++;
                counters.Throttled++;
                var retryAfter = traffic.Window.Count >= settings.RequestsPerSecond
                    ? TimeSpan.FromSeconds((double)(windowTicks - (now - traffic.Window.Peek())) / windowTicks)
                    : TimeSpan.FromSeconds(1);
                return new Admission(null, settings, Math.Max(0, settings.RequestsPerSecond - traffic.Window.Count),
                    Math.Max(0, concurrencyLimit - (endpointConcurrency is null ? traffic.InFlight : counters.InFlight)), concurrencyLimit, retryAfter);
            }

            traffic.Window.Enqueue(now);
            traffic.InFlight++;
            counters.InFlight++;
            traffic.PeakConcurrency = Math.Max(traffic.PeakConcurrency, traffic.InFlight);
            counters.PeakConcurrency = Math.Max(counters.PeakConcurrency, counters.InFlight);
            traffic.PeakPerSecond = Math.Max(traffic.PeakPerSecond, traffic.Window.Count);
            var concurrentRemaining = endpointConcurrency is null
                ? settings.ConcurrentRequests - traffic.InFlight
                : Math.Min(settings.ConcurrentRequests - traffic.InFlight, endpointConcurrency.Value - counters.InFlight);
            return new Admission(new Lease(traffic, counters), settings, settings.RequestsPerSecond - traffic.Window.Count,
                concurrentRemaining, concurrencyLimit, TimeSpan.Zero);
        }
    }

    internal void RecordStatus(string key, string endpoint, string status)
    {
        if (!_traffic.TryGetValue(key, out var traffic))
        {
            return;
        }

        lock (traffic.Gate)
        {
            var statuses = traffic.Endpoint(endpoint).Statuses;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
    }

    public StatsView? Stats(string key)
    {
        if (!_traffic.TryGetValue(key, out var traffic))
        {
            return null;
        }

        lock (traffic.Gate)
        {
            return new StatsView
            {
                ClientId = key,
                Requests = traffic.Requests,
                Throttled = traffic.Throttled,
                TokenRequests = traffic.TokenRequests,
                PeakConcurrency = traffic.PeakConcurrency,
                PeakRequestsPerSecond = traffic.PeakPerSecond,
                InFlight = traffic.InFlight,
                Endpoints = traffic.Endpoints.ToDictionary(e => e.Key, e => new EndpointStatsView
                {
                    Requests = e.Value.Requests,
                    Throttled = e.Value.Throttled,
                    PeakConcurrency = e.Value.PeakConcurrency,
                    Statuses = new Dictionary<string, long>(e.Value.Statuses),
                }),
            };
        }
    }

    public IReadOnlyList<StatsView> AllStats() =>
        [.. _traffic.Keys.Order(StringComparer.Ordinal).Select(Stats).OfType<StatsView>()];

    public void Reset() => _traffic.Clear();

    private sealed class CredentialTraffic
    {
        public Lock Gate { get; } = new();
        public Queue<long> Window { get; } = new();
        public int InFlight { get; set; }
        public int PeakConcurrency { get; set; }
        public int PeakPerSecond { get; set; }
        public long Requests { get; set; }
        public long Throttled { get; set; }
        public long TokenRequests { get; set; }
        public Dictionary<string, EndpointCounters> Endpoints { get; } = new(StringComparer.Ordinal);

        public EndpointCounters Endpoint(string name)
        {
            if (!Endpoints.TryGetValue(name, out var counters))
            {
                Endpoints[name] = counters = new EndpointCounters();
            }

            return counters;
        }
    }

    private sealed class EndpointCounters
    {
        public int InFlight { get; set; }
        public int PeakConcurrency { get; set; }
        public long Requests { get; set; }
        public long Throttled { get; set; }
        public Dictionary<string, long> Statuses { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Frees the concurrency slot once, when the response is complete.</summary>
    private sealed class Lease(CredentialTraffic traffic, EndpointCounters endpoint) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (traffic.Gate)
                {
                    traffic.InFlight--;
                    endpoint.InFlight--;
                }
            }
        }
    }

    internal sealed record Admission(IDisposable? Lease, SandboxSettings Settings, int Remaining, int ConcurrentRemaining, int ConcurrencyLimit, TimeSpan RetryAfter)
    {
        public bool Admitted => Lease is not null;
    }
}
