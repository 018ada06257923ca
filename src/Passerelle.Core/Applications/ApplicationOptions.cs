namespace Passerelle.Core.Applications;

/// <summary>Applicant intake and delivery (section <c>Applications</c>).</summary>
public sealed class ApplicationOptions
{
    public const string Section = "Applications";

    /// <summary>Largest CV or cover letter accepted, in bytes; larger files get a 413 before the body is read. Default 10 MB.</summary>
    public long MaxFileSize { get; set; } = 10 * 1024 * 1024;

    /// <summary>A delivered application's files are deleted this long after delivery. Default 30 days.</summary>
    public TimeSpan RetainFilesFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>First wait after SR did not take a request (429, outage); doubles each time. Default 1 minute.</summary>
    public TimeSpan RetryBackoffBase { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest wait between attempts. Default 1 hour.</summary>
    public TimeSpan RetryBackoffCap { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Applications of one connection delivered at once. Two SR calls each at SR's latency (100–400 ms) need about
    /// four in flight to reach the credential's 10 requests/s; the rate budget keeps the pace. Default 4.
    /// </summary>
    public int DeliveryConcurrency { get; set; } = 4;

    /// <summary>How often files past retention and orphaned files are deleted. Default 1 hour.</summary>
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Where encrypted files live; default <c>{Passerelle:DataDirectory}/files</c>. Back it up with the key ring.</summary>
    public string? FileDirectory { get; set; }

    /// <summary>The largest request body: both files and the applicant JSON.</summary>
    public long MaxRequestSize => (2 * MaxFileSize) + (1024 * 1024);

    public IEnumerable<string> Problems()
    {
        if (MaxFileSize is < 1024 or > 100L * 1024 * 1024)
        {
            yield return $"Applications:MaxFileSize ({MaxFileSize}) must be between 1024 and 104857600 bytes (e.g. 10485760 for 10 MB).";
        }

        if (RetainFilesFor < TimeSpan.Zero || RetainFilesFor > TimeSpan.FromDays(3650))
        {
            yield return $"Applications:RetainFilesFor ({RetainFilesFor}) must be between 0 and 3650 days (e.g. \"30.00:00:00\").";
        }

        if (RetryBackoffBase < TimeSpan.FromMilliseconds(10) || RetryBackoffCap < RetryBackoffBase || RetryBackoffCap > TimeSpan.FromDays(1))
        {
            yield return $"Applications:RetryBackoffBase ({RetryBackoffBase}) must be at least 10 ms and Applications:RetryBackoffCap ({RetryBackoffCap}) between it and 1 day.";
        }

        if (DeliveryConcurrency is < 1 or > 8)
        {
            yield return $"Applications:DeliveryConcurrency ({DeliveryConcurrency}) must be between 1 and 8 (SR allows 8 requests in flight per credential).";
        }

        if (HousekeepingInterval < TimeSpan.FromSeconds(1) || HousekeepingInterval > TimeSpan.FromDays(1))
        {
            yield return $"Applications:HousekeepingInterval ({HousekeepingInterval}) must be between 1 second and 1 day.";
        }
    }

    /// <summary>The wait before attempt <paramref name="attempts"/>+1: base doubling to the cap, or SR's Retry-After when longer.</summary>
    public TimeSpan Backoff(int attempts, TimeSpan? retryAfter)
    {
        var ticks = RetryBackoffBase.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(ticks, RetryBackoffCap.Ticks));
        return retryAfter is { } asked && asked > wait ? asked : wait;
    }
}
