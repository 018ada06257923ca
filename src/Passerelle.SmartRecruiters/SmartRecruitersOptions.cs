using Microsoft.Extensions.Options;

namespace Passerelle.SmartRecruiters;

/// <summary>How the client talks to SR (section <c>SmartRecruiters</c>). Per-connection settings are data, not options.</summary>
public sealed class SmartRecruitersOptions
{
    public const string SectionName = "SmartRecruiters";

    /// <summary>Requests per credential in any one-second window. Default 10 (SR's limit).</summary>
    public int RequestsPerSecond { get; set; } = 10;

    /// <summary>Requests per credential in flight at once. Default 8 (SR's limit).</summary>
    public int ConcurrentRequests { get; set; } = 8;

    /// <summary>
    /// Added to the one-second window so that requests sent exactly one second apart cannot arrive less than a
    /// second apart; widened by 10 ms after each 429 (up to 250 ms) and narrowed back after long runs without one.
    /// Default 75 ms (a ceiling of 9.3 requests/s): with 30 ms (9.7/s) and 50 ms the chaos harness still met a 429
    /// every one or two thousand requests, from stalls of either side (a GC pause, a busy thread pool) longer than the
    /// margin; SR's own count also sees the network's jitter, which is of that order.
    /// </summary>
    public TimeSpan RateWindowMargin { get; set; } = TimeSpan.FromMilliseconds(75);

    /// <summary>Time allowed for one attempt (SR recommends about two minutes). Default 2 min.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Uploads get extra time at this many bytes per second on top of <see cref="AttemptTimeout"/>. Default 64 KiB/s.</summary>
    public int UploadMinBytesPerSecond { get; set; } = 64 * 1024;

    /// <summary>Attempts for a request whose failure is known to be safe to retry (429, 503, a read's 5xx). Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff after a failed attempt; doubles each time, with jitter. Default 500 ms.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest backoff. Default 30 s.</summary>
    public TimeSpan BackoffCap { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A token is renewed this long before it expires, or at half its life if that comes first. Default 60 s.</summary>
    public TimeSpan TokenRefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Jobs per listing page (SR's maximum is 100). Default 100.</summary>
    public int PageSize { get; set; } = 100;
}

internal sealed class SmartRecruitersOptionsValidator : IValidateOptions<SmartRecruitersOptions>
{
    public ValidateOptionsResult Validate(string? name, SmartRecruitersOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add($"{SmartRecruitersOptions.SectionName}:{message}");
            }
        }

        Check(o.RequestsPerSecond >= 1, $"RequestsPerSecond must be at least 1 (got {o.RequestsPerSecond}).");
        Check(o.ConcurrentRequests >= 1, $"ConcurrentRequests must be at least 1 (got {o.ConcurrentRequests}).");
        Check(o.RateWindowMargin >= TimeSpan.Zero && o.RateWindowMargin < TimeSpan.FromSeconds(1), $"RateWindowMargin must be between 0 and 1 s (got {o.RateWindowMargin}).");
        Check(o.AttemptTimeout >= TimeSpan.FromSeconds(1), $"AttemptTimeout must be at least 1 s (got {o.AttemptTimeout}).");
        Check(o.UploadMinBytesPerSecond >= 1024, $"UploadMinBytesPerSecond must be at least 1024 (got {o.UploadMinBytesPerSecond}).");
        Check(o.MaxAttempts is >= 1 and <= 20, $"MaxAttempts must be between 1 and 20 (got {o.MaxAttempts}).");
        Check(o.BackoffBase > TimeSpan.Zero && o.BackoffCap >= o.BackoffBase, $"BackoffBase must be positive and BackoffCap at least as long (got {o.BackoffBase} and {o.BackoffCap}).");
        Check(o.TokenRefreshBeforeExpiry >= TimeSpan.Zero, $"TokenRefreshBeforeExpiry must not be negative (got {o.TokenRefreshBeforeExpiry}).");
        Check(o.PageSize is >= 1 and <= 100, $"PageSize must be between 1 and 100 (got {o.PageSize}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
