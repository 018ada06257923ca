using System.Text.RegularExpressions;

namespace Passerelle.Sandbox;

/// <summary>
/// The sandbox's behaviour switches. Bound from the <c>Sandbox</c> configuration section at start-up and changeable
/// at run time through <c>PUT /_sandbox/settings</c> (a partial body changes only the fields it names; an unknown
/// field is an error, so a typo cannot pass for a change).
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed class SandboxSettings
{
    /// <summary>Requests admitted per credential in any sliding one-second window. Default 10 (SR's limit).</summary>
    public int RequestsPerSecond { get; set; } = 10;

    /// <summary>Requests per credential in flight at once. Default 8 (SR's limit).</summary>
    public int ConcurrentRequests { get; set; } = 8;

    /// <summary>Send <c>Retry-After</c> (seconds) on 429. SR does not document it, so the default is false.</summary>
    public bool SendRetryAfter { get; set; }

    /// <summary><c>create-new</c> (default), <c>conflict</c> (409) or <c>return-existing</c>.</summary>
    public string DuplicatePolicy { get; set; } = DuplicatePolicies.CreateNew;

    /// <summary>Include the granted <c>scope</c> in token responses. Default true.</summary>
    public bool TokenScopeField { get; set; } = true;

    /// <summary>Access-token lifetime in seconds. Default 1800 (SR's 30 minutes).</summary>
    public int TokenLifetimeSeconds { get; set; } = 1800;

    /// <summary>Reproduce SR's documented quirk: a malformed token request gets <c>200 {}</c>. Default false.</summary>
    public bool EmptyTokenResponseQuirk { get; set; }

    /// <summary>Largest accepted uploaded file, in bytes (413 beyond). Default 10 MB.</summary>
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest accepted JSON body, in bytes (413 beyond). Default 1 MB.</summary>
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>File extensions accepted as attachments (415 otherwise).</summary>
    public List<string> AllowedAttachmentExtensions { get; set; } =
        ["pdf", "doc", "docx", "rtf", "odt", "txt", "jpg", "jpeg", "png"];

    /// <summary>Added latency on every SR call, in milliseconds, before the answer. Default 0.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Uniform jitter (±) on <see cref="LatencyMs"/>, in milliseconds. Default 0.</summary>
    public int LatencyJitterMs { get; set; }

    /// <summary>Attachments up to this size are kept in memory for download from the inbox. Default 2 MB.</summary>
    public long KeepAttachmentContentUpToBytes { get; set; } = 2 * 1024 * 1024;

    public SandboxSettings Clone()
    {
        var copy = (SandboxSettings)MemberwiseClone();
        copy.AllowedAttachmentExtensions = [.. AllowedAttachmentExtensions];
        return copy;
    }

    /// <summary>Every problem with these settings, each quoting the bad value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RequestsPerSecond < 1)
        {
            errors.Add($"requestsPerSecond must be at least 1 (got {RequestsPerSecond}).");
        }

        if (ConcurrentRequests < 1)
        {
            errors.Add($"concurrentRequests must be at least 1 (got {ConcurrentRequests}).");
        }

        if (!DuplicatePolicies.All.Contains(DuplicatePolicy))
        {
            errors.Add($"duplicatePolicy must be one of {string.Join(", ", DuplicatePolicies.All)} (got '{DuplicatePolicy}').");
        }

        if (TokenLifetimeSeconds < 1)
        {
            errors.Add($"tokenLifetimeSeconds must be at least 1 (got {TokenLifetimeSeconds}).");
        }

        if (MaxAttachmentBytes < 1)
        {
            errors.Add($"maxAttachmentBytes must be at least 1 (got {MaxAttachmentBytes}).");
        }

        if (MaxJsonBodyBytes < 2)
        {
            errors.Add($"maxJsonBodyBytes must be at least 2 (got {MaxJsonBodyBytes}).");
        }

        if (LatencyMs is < 0 or > Limits.MaxLatencyMs || LatencyJitterMs < 0 || LatencyJitterMs > LatencyMs)
        {
            errors.Add($"latencyMs (0 to {Limits.MaxLatencyMs}) and latencyJitterMs (0 to latencyMs) are out of range (got {LatencyMs} ± {LatencyJitterMs}).");
        }

        if (AllowedAttachmentExtensions is null || AllowedAttachmentExtensions.Any(e => string.IsNullOrWhiteSpace(e) || e.StartsWith('.')))
        {
            errors.Add("allowedAttachmentExtensions must list extensions without dots, e.g. [\"pdf\",\"docx\"].");
        }

        return errors;
    }
}

internal static class Limits
{
    /// <summary>Ten minutes: longer than any client waits, short enough that latency plus jitter cannot overflow.</summary>
    public const int MaxLatencyMs = 600_000;
}

public static class DuplicatePolicies
{
    public const string CreateNew = "create-new";
    public const string Conflict = "conflict";
    public const string ReturnExisting = "return-existing";
    public static readonly IReadOnlyList<string> All = [CreateNew, Conflict, ReturnExisting];
}

/// <summary>Start-up options of the sandbox host (section <c>Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    /// <summary><c>demo</c> (default: the demo company), <c>none</c> (empty), or the path of a JSON seed file.</summary>
    public string Seed { get; set; } = "demo";

    /// <summary>Seed of the random source behind probabilistic faults and jitter; unset means unpredictable.</summary>
    public int? RandomSeed { get; set; }
}

/// <summary>Fault injection for one credential, set with <c>PUT /_sandbox/credentials/{clientId}/faults</c>.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed class FaultSettings
{
    /// <summary>Extra latency for this credential, added to the global latency.</summary>
    public int LatencyMs { get; set; }

    public int LatencyJitterMs { get; set; }

    public double Error500Rate { get; set; }
    public double Error502Rate { get; set; }
    public double Error503Rate { get; set; }

    /// <summary>Probability of dropping the connection before the request is processed (nothing happens in SR).</summary>
    public double ResetRate { get; set; }

    /// <summary>Probability of processing the request (the candidate is created) and then dropping the answer.</summary>
    public double CommitThenDropRate { get; set; }

    /// <summary>How a committed answer is dropped: <c>reset</c> (connection closed) or <c>hang</c> (no answer until the client gives up).</summary>
    public string CommitThenDropMode { get; set; } = "reset";

    /// <summary>Probability of never answering (until the client gives up) without processing.</summary>
    public double HangRate { get; set; }

    /// <summary>Only requests with these methods are affected (all when empty).</summary>
    public List<string>? Methods { get; set; }

    /// <summary>Only requests whose path matches this regular expression are affected (all when empty).</summary>
    public string? PathPattern { get; set; }

    /// <summary>
    /// Deterministic faults, consumed one per matching request before any rate applies: <c>ok</c>, <c>500</c>,
    /// <c>502</c>, <c>503</c>, <c>reset</c>, <c>hang</c>, <c>commit-then-drop</c>, <c>commit-then-hang</c>.
    /// </summary>
    public List<string>? Script { get; set; }

    public static readonly IReadOnlyList<string> ScriptSteps =
        ["ok", "500", "502", "503", "reset", "hang", "commit-then-drop", "commit-then-hang"];

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (name, rate) in new[]
                 {
                     ("error500Rate", Error500Rate), ("error502Rate", Error502Rate), ("error503Rate", Error503Rate),
                     ("resetRate", ResetRate), ("commitThenDropRate", CommitThenDropRate), ("hangRate", HangRate),
                 })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                errors.Add($"{name} must be between 0 and 1 (got {rate}).");
            }
        }

        if (Error500Rate + Error502Rate + Error503Rate + ResetRate + CommitThenDropRate + HangRate > 1.0000001)
        {
            errors.Add("The fault rates add up to more than 1.");
        }

        if (LatencyMs is < 0 or > Limits.MaxLatencyMs || LatencyJitterMs < 0 || LatencyJitterMs > LatencyMs)
        {
            errors.Add($"latencyMs (0 to {Limits.MaxLatencyMs}) and latencyJitterMs (0 to latencyMs) are out of range (got {LatencyMs} ± {LatencyJitterMs}).");
        }

        if (CommitThenDropMode is not ("reset" or "hang"))
        {
            errors.Add($"commitThenDropMode must be 'reset' or 'hang' (got '{CommitThenDropMode}').");
        }

        foreach (var step in Script ?? [])
        {
            if (!ScriptSteps.Contains(step))
            {
                errors.Add($"Unknown script step '{step}': use one of {string.Join(", ", ScriptSteps)}.");
            }
        }

        if (!string.IsNullOrEmpty(PathPattern))
        {
            try
            {
                _ = new Regex(PathPattern, RegexOptions.None, TimeSpan.FromMilliseconds(50));
            }
            catch (ArgumentException)
            {
                errors.Add($"pathPattern is not a valid regular expression (got '{PathPattern}').");
            }
        }

        return errors;
    }
}
