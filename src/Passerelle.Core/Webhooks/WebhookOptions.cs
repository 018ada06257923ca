using Microsoft.Extensions.Options;

namespace Passerelle.Core.Webhooks;

/// <summary>How webhooks are dispatched (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>How long the dispatcher waits between rounds when there was nothing left to do. Default 2 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Outbox events fanned out, and deliveries attempted, per round. Default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>The wait after the first failed attempt; it doubles after each one. Default 10 seconds.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts. Default 1 hour.</summary>
    public TimeSpan RetryCap { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after its creation (or its subscription's resume) a delivery is retried before it is marked failed. Default 24 hours.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a receiver has to answer one request. Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a dispatcher owns the deliveries it took; another node may take them after. Default 2 minutes.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether receivers may be on this machine or a private network: loopback, private, carrier-grade NAT and
    /// link-local addresses (including the cloud metadata address), and <c>localhost</c>. Off by default: such URLs are
    /// refused when subscribed, and a host name that resolves to such an address is refused when connecting. Turn it
    /// on only for an on-premise receiver or tests; it also allows plain <c>http</c> to this machine. Default false.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Receivers called at once (requests to one subscription are always sent one after the other). Default 8.</summary>
    public int MaxConcurrency { get; set; } = 8;
}

/// <summary>Each bad value fails the start with a line that quotes it and says what is allowed.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max, string example)
        {
            if (value < min || value > max)
            {
                failures.Add($"Webhooks:{key} is {value:c}: it must be between {min:c} and {max:c} (e.g. \"{example}\").");
            }
        }

        Range(nameof(options.PollInterval), options.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10), "00:00:02");
        Range(nameof(options.RetryBase), options.RetryBase, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "00:00:10");
        Range(nameof(options.RetryCap), options.RetryCap, options.RetryBase, TimeSpan.FromDays(1), "01:00:00");
        Range(nameof(options.RetryFor), options.RetryFor, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30), "1.00:00:00");
        Range(nameof(options.Timeout), options.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), "00:00:10");
        Range(nameof(options.Lease), options.Lease, options.Timeout + TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), "00:02:00");
        if (options.BatchSize is < 1 or > 1000)
        {
            failures.Add($"Webhooks:BatchSize is {options.BatchSize}: it must be between 1 and 1000 (e.g. 100).");
        }

        if (options.MaxConcurrency is < 1 or > 64)
        {
            failures.Add($"Webhooks:MaxConcurrency is {options.MaxConcurrency}: it must be between 1 and 64 (e.g. 8).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
