using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Passerelle.SmartRecruiters;

namespace Passerelle.Server.Ui;

/// <summary>One minute of one connection's SR calls.</summary>
public readonly record struct SrMinute(DateTimeOffset At, int Calls, int Throttled);

/// <summary>
/// SR calls are not stored anywhere; the activity page needs them per connection and per minute. This listens to the
/// SR client's request counter (<c>passerelle.sr.requests</c>, one measurement per attempt, tagged with the
/// connection and the outcome) and keeps, in memory, per-minute counts for the last <see cref="Retention"/>: a ring
/// of one slot per minute per connection (12 bytes a slot, about 120 KB for a connection that called SR in the last
/// 7 days), at most <see cref="MaxConnections"/> connections. The counts are this node's since it started: another
/// node's calls, or calls before a restart, are not in them.
/// </summary>
public sealed class SrCallRecorder : IHostedService, IDisposable
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    public const int MaxConnections = 1000;

    /// <summary>The series of attempts that named no connection (the public Posting API) or came after the cap.</summary>
    public const string Unattributed = "";

    private const int Slots = 7 * 24 * 60;
    private const string RequestsInstrument = "passerelle.sr.requests";

    private readonly IMeterFactory _meters;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private MeterListener? _listener;

    public SrCallRecorder(IMeterFactory meters, TimeProvider time)
    {
        _meters = meters;
        _time = time;
        Started = time.GetUtcNow();
    }

    /// <summary>When this node began counting.</summary>
    public DateTimeOffset Started { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new MeterListener
        {
            // Only this host's meter: in a process with several hosts (tests, the bench), each counts its own calls.
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SmartRecruitersMetrics.MeterName && instrument.Name == RequestsInstrument && ReferenceEquals(instrument.Meter.Scope, _meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => OnRequest(value, tags));
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        _listener = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _listener?.Dispose();

    /// <summary>Counts one attempt (also what the listener calls; public for tests and the bench).</summary>
    public void Record(string? connectionId, bool throttled, int count = 1)
    {
        var key = connectionId ?? Unattributed;
        if (!_series.TryGetValue(key, out var series))
        {
            key = _series.Count >= MaxConnections ? Unattributed : key;
            series = _series.GetOrAdd(key, _ => new Series());
        }

        series.Add(MinuteOf(_time.GetUtcNow()), count, throttled ? count : 0);
    }

    /// <summary>The minutes with at least one call since <paramref name="from"/>, per connection id (<see cref="Unattributed"/> for the rest).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SrMinute>> Since(DateTimeOffset from)
    {
        var now = MinuteOf(_time.GetUtcNow());
        var first = Math.Max(MinuteOf(from), now - Slots + 1);
        var result = new Dictionary<string, IReadOnlyList<SrMinute>>(StringComparer.Ordinal);
        foreach (var (key, series) in _series)
        {
            var minutes = series.Read(first, now);
            if (minutes.Count > 0)
            {
                result[key] = minutes;
            }
        }

        return result;
    }

    private void OnRequest(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? connection = null;
        var throttled = false;
        foreach (var (name, tagValue) in tags)
        {
            if (name == SmartRecruitersMetrics.ConnectionTag)
            {
                connection = tagValue as string;
            }
            else if (name == "outcome")
            {
                throttled = tagValue as string == "429";
            }
        }

        Record(connection, throttled, (int)Math.Clamp(value, 0, int.MaxValue));
    }

    private static int MinuteOf(DateTimeOffset at) => (int)(at.ToUnixTimeSeconds() / 60);

    private static DateTimeOffset AtMinute(int minute) => DateTimeOffset.FromUnixTimeSeconds(minute * 60L);

    /// <summary>A ring of per-minute slots; a slot whose minute is not the one asked for is stale (zero).</summary>
    private sealed class Series
    {
        private readonly Slot[] _slots = new Slot[Slots];
        private readonly Lock _lock = new();

        public void Add(int minute, int calls, int throttled)
        {
            lock (_lock)
            {
                ref var slot = ref _slots[minute % Slots];
                if (slot.Minute != minute)
                {
                    slot = new Slot { Minute = minute };
                }

                slot.Calls += calls;
                slot.Throttled += throttled;
            }
        }

        public List<SrMinute> Read(int first, int last)
        {
            var minutes = new List<SrMinute>();
            lock (_lock)
            {
                for (var minute = first; minute <= last; minute++)
                {
                    var slot = _slots[minute % Slots];
                    if (slot.Minute == minute && slot.Calls > 0)
                    {
                        minutes.Add(new SrMinute(AtMinute(minute), slot.Calls, slot.Throttled));
                    }
                }
            }

            return minutes;
        }
    }

    private struct Slot
    {
        public int Minute;
        public int Calls;
        public int Throttled;
    }
}
