using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Server.Ui;
using Passerelle.SmartRecruiters;

namespace Passerelle.Server.Pages.Activity;

/// <summary>
/// Whether things flow, at a glance: deliveries and failures over the last 24 hours (by hour) or 7 days (by day),
/// and SR calls against the rate limit, overall or for one connection. Charts are inline SVG drawn here, each with a
/// table beside it for screen readers and for reading exact figures.
/// </summary>
public sealed class IndexModel(PasserelleDbContext db, SrCallRecorder recorder, Lang lang, TimeProvider time, IOptions<SmartRecruitersOptions> sr) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "connection")]
    public string? ConnectionFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "window")]
    public string? WindowFilter { get; set; }

    public bool Week => WindowFilter == "7d";
    public Guid? ConnectionId { get; private set; }
    public string? ConnectionName { get; private set; }
    public IReadOnlyList<KeyValuePair<Guid, string>> Connections { get; private set; } = [];

    /// <summary>The start of each bucket, oldest first; the last ends now.</summary>
    public IReadOnlyList<DateTimeOffset> Buckets { get; private set; } = [];

    public int[] Delivered { get; private set; } = [];
    public int[] Failed { get; private set; } = [];
    public int[] InReview { get; private set; } = [];
    public int Waiting { get; private set; }

    public int[] SrCalls { get; private set; } = [];

    /// <summary>Per bucket, the most calls one connection made in one minute.</summary>
    public int[] SrPeakMinute { get; private set; } = [];

    public int[] SrThrottled { get; private set; } = [];

    /// <summary>SR's budget per credential (<c>SmartRecruiters:RequestsPerSecond</c>, 10 by default).</summary>
    public int LimitPerSecond => sr.Value.RequestsPerSecond;
    public int LimitPerMinute => LimitPerSecond * 60;
    public DateTimeOffset CountingSince => recorder.Started;
    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Connections = (await db.Connections.AsNoTracking().Select(c => new { c.Id, c.DisplayName }).ToListAsync(cancellationToken))
            .Select(c => KeyValuePair.Create(c.Id.Value, c.DisplayName)).OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase).ToList();
        if (!string.IsNullOrEmpty(ConnectionFilter))
        {
            // An edited URL naming no connection is a 404, like any unknown id.
            if (!Guid.TryParse(ConnectionFilter, out var id) || Connections.All(c => c.Key != id))
            {
                return NotFound();
            }

            ConnectionId = id;
            ConnectionName = Connections.First(c => c.Key == id).Value;
        }

        Now = time.GetUtcNow();
        Buckets = Week ? Days(Now, lang.Zone) : Hours(Now);
        var from = Buckets[0];
        var applications = db.Applications.AsNoTracking();
        if (ConnectionId is { } only)
        {
            var connection = new ConnectionId(only);
            applications = applications.Where(a => a.ConnectionId == connection);
        }

        // Delivered: by DeliveredAt, exact. Failed and in review: neither has a time of its own, so they are counted
        // by UpdatedAt among the applications that are in that state now; a finished application is written again
        // only by a person's action (retry, erasure), so this is when it ended, and one that was retried and later
        // delivered counts as delivered, not as a failure. ApplicationSteps would give every failed attempt, but
        // counts attempts, not applications, and a glance needs applications.
        var delivered = await applications.Where(a => a.DeliveredAt != null && a.DeliveredAt >= from).Select(a => a.DeliveredAt!.Value).ToListAsync(cancellationToken);
        var ended = await applications.Where(a => (a.State == ApplicationState.Failed || a.State == ApplicationState.NeedsReview) && a.UpdatedAt >= from)
            .Select(a => new { a.State, a.UpdatedAt }).ToListAsync(cancellationToken);
        Waiting = await applications.CountAsync(a => a.State != ApplicationState.Delivered && a.State != ApplicationState.Failed && a.State != ApplicationState.NeedsReview,
            cancellationToken);

        Delivered = Count(delivered);
        Failed = Count(ended.Where(e => e.State == ApplicationState.Failed).Select(e => e.UpdatedAt));
        InReview = Count(ended.Where(e => e.State == ApplicationState.NeedsReview).Select(e => e.UpdatedAt));

        SrCalls = new int[Buckets.Count];
        SrPeakMinute = new int[Buckets.Count];
        SrThrottled = new int[Buckets.Count];
        var wanted = ConnectionId?.ToString();
        foreach (var (connectionKey, minutes) in recorder.Since(from))
        {
            if (wanted is not null && connectionKey != wanted)
            {
                continue;
            }

            // The limit is per credential: the peak is one connection's busiest minute, never a sum across connections.
            foreach (var minute in minutes)
            {
                var i = BucketOf(minute.At);
                SrCalls[i] += minute.Calls;
                SrThrottled[i] += minute.Throttled;
                SrPeakMinute[i] = Math.Max(SrPeakMinute[i], minute.Calls);
            }
        }

        return Page();
    }

    public int PeakMinute => SrPeakMinute.DefaultIfEmpty(0).Max();

    /// <summary>The busiest minute's average rate in requests per second, to set beside the limit.</summary>
    public double PeakPerSecond => PeakMinute / 60.0;

    public string BucketLabel(int i) => Week
        ? TimeZoneInfo.ConvertTime(Buckets[i], lang.Zone).ToString(lang.IsFrench ? "dd/MM" : "MM-dd", CultureInfo.InvariantCulture)
        : TimeZoneInfo.ConvertTime(Buckets[i], lang.Zone).ToString("HH:00", CultureInfo.InvariantCulture);

    /// <summary>The bucket's full name, for the tables.</summary>
    public string BucketName(int i) => Week
        ? lang.Date(Buckets[i])
        : lang.T($"{lang.DateTime(Buckets[i])} to {TimeZoneInfo.ConvertTime(Buckets[i].AddHours(1), lang.Zone):HH:mm}",
            $"{lang.DateTime(Buckets[i])} à {TimeZoneInfo.ConvertTime(Buckets[i].AddHours(1), lang.Zone):HH:mm}");

    /// <summary>A rate with one decimal, with a decimal comma in French.</summary>
    public string Rate(double perSecond)
    {
        var text = perSecond.ToString("0.0", CultureInfo.InvariantCulture);
        return lang.IsFrench ? text.Replace('.', ',') : text;
    }

    private int[] Count(IEnumerable<DateTimeOffset> times)
    {
        var counts = new int[Buckets.Count];
        foreach (var at in times)
        {
            counts[BucketOf(at)]++;
        }

        return counts;
    }

    private int BucketOf(DateTimeOffset at)
    {
        for (var i = Buckets.Count - 1; i > 0; i--)
        {
            if (at >= Buckets[i])
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The last 24 hours, by hour: the current hour last.</summary>
    private static List<DateTimeOffset> Hours(DateTimeOffset now)
    {
        var hour = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero);
        return [.. Enumerable.Range(0, 24).Select(i => hour.AddHours(i - 23))];
    }

    /// <summary>The last 7 days, by day in the console's time zone: today last.</summary>
    private static List<DateTimeOffset> Days(DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        return [.. Enumerable.Range(0, 7).Select(i =>
        {
            var day = today.AddDays(i - 6);
            // In UTC: PostgreSQL's timestamptz parameters take offset zero only.
            return new DateTimeOffset(day, zone.GetUtcOffset(day)).ToUniversalTime();
        })];
    }
}

/// <summary>A bar chart's geometry in SVG user units; the page draws it.</summary>
public sealed class BarChart
{
    public const double Width = 720, Height = 260, Left = 56, Right = 12, Top = 14, Bottom = 40;

    public BarChart(int buckets, IReadOnlyList<int[]> series, double? limit = null)
    {
        Buckets = buckets;
        Series = series;
        Limit = limit;
        var max = Math.Max(series.SelectMany(s => s).DefaultIfEmpty(0).Max(), limit ?? 0);
        Max = NiceCeiling(Math.Max(max, 4));
    }

    public int Buckets { get; }
    public IReadOnlyList<int[]> Series { get; }
    public double? Limit { get; }
    public double Max { get; }
    public double PlotWidth => Width - Left - Right;
    public double PlotHeight => Height - Top - Bottom;
    public double Step => PlotWidth / Buckets;
    public double BarWidth => Step * 0.8 / Series.Count;

    public double Y(double value) => Top + PlotHeight - (value / Max * PlotHeight);

    public double BarX(int bucket, int series) => Left + (bucket * Step) + (Step * 0.1) + (series * BarWidth);

    /// <summary>A non-zero value is at least one unit tall, so that a few calls under a high limit still show.</summary>
    public double BarHeight(int value) => value == 0 ? 0 : Math.Max(1, value / Max * PlotHeight);

    public double CenterX(int bucket) => Left + (bucket * Step) + (Step / 2);

    public IEnumerable<double> Ticks => Enumerable.Range(0, 5).Select(i => Max * i / 4);

    public static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 4, 8, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }
}
