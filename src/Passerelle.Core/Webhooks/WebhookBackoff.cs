namespace Passerelle.Core.Webhooks;

/// <summary>The wait before the next attempt: exponential, with up to 20 % of jitter, capped.</summary>
public static class WebhookBackoff
{
    /// <param name="failedAttempts">Attempts made so far (1 after the first failure).</param>
    /// <param name="retryBase">The wait after the first failure.</param>
    /// <param name="cap">The longest wait.</param>
    /// <param name="jitter">A number in [0, 1): how much of the 20 % is added. Jitter spreads the retries of many
    /// deliveries that failed together, so a receiver that comes back is not hit by all of them in the same second.</param>
    public static TimeSpan Delay(int failedAttempts, TimeSpan retryBase, TimeSpan cap, double jitter)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var seconds = retryBase.TotalSeconds * Math.Pow(2, exponent) * (1 + (0.2 * Math.Clamp(jitter, 0, 1)));
        return seconds >= cap.TotalSeconds ? cap : TimeSpan.FromSeconds(seconds);
    }
}
