using System.Diagnostics.CodeAnalysis;

namespace Passerelle.SmartRecruiters;

/// <summary>What a call to SR came to, and so what the caller may safely do next.</summary>
public enum SrOutcomeKind
{
    /// <summary>SR did it; <see cref="SrOutcome{T}.Value"/> holds the answer.</summary>
    Success,

    /// <summary>SR did not act on the request (429, refused connection, 503, a failure before the body left): retry later.</summary>
    NotSent,

    /// <summary>A create reached SR but no answer came back (timeout, reset, 5xx): it may exist. Never re-send blindly.</summary>
    InDoubt,

    /// <summary>SR refused the request as it stands (400, 409, 413, 415, 422): fix it, then replay.</summary>
    Rejected,

    /// <summary>The token endpoint refused the client id and secret (revoked, regenerated or mistyped).</summary>
    CredentialsRejected,

    /// <summary>The credential lacks a scope, or the company lacks the API feature (see <see cref="SrOutcome{T}.Forbidden"/>).</summary>
    Forbidden,

    /// <summary>The job or candidate does not exist (or belongs to another company).</summary>
    NotFound,
}

/// <summary>Why SR answered 403.</summary>
public enum SrForbiddenReason
{
    ScopeMissing,
    ApiAccessDisabled,
    Other,
}

/// <summary>One error SR reported: its code and message.</summary>
public sealed record SrError(string? Code, string? Message);

/// <summary>
/// The result of one logical SR call (after the client's own safe retries). Expected failures are values, not
/// exceptions; exceptions are kept for bugs and for the caller's own cancellation.
/// </summary>
public sealed record SrOutcome<T>
{
    public required SrOutcomeKind Kind { get; init; }

    public T? Value { get; init; }

    /// <summary>SR's HTTP status, when an answer came.</summary>
    public int? StatusCode { get; init; }

    /// <summary>SR's error codes and messages, for <see cref="SrOutcomeKind.Rejected"/> and friends.</summary>
    public IReadOnlyList<SrError> Errors { get; init; } = [];

    /// <summary>For <see cref="SrOutcomeKind.Forbidden"/>: why.</summary>
    public SrForbiddenReason? Forbidden { get; init; }

    /// <summary>For a missing scope: the scope SR named, when it named one.</summary>
    public string? MissingScope { get; init; }

    /// <summary>When SR asked the caller to wait (Retry-After), or the client's own backoff suggests.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A sentence for logs and people: what happened, with ids only.</summary>
    public string? Detail { get; init; }

    /// <summary>How many attempts the client made.</summary>
    public int Attempts { get; init; } = 1;

    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsSuccess => Kind == SrOutcomeKind.Success;

    /// <summary>The same failure carrying another value type.</summary>
    public SrOutcome<TOther> As<TOther>() => new()
    {
        Kind = Kind, StatusCode = StatusCode, Errors = Errors, Forbidden = Forbidden, MissingScope = MissingScope,
        RetryAfter = RetryAfter, Detail = Detail, Attempts = Attempts,
    };

    public override string ToString() => $"{Kind}{(StatusCode is { } s ? $" ({s})" : "")}: {Detail}";
}

internal static class SrOutcome
{
    public static SrOutcome<T> Success<T>(T value, int status, int attempts) =>
        new() { Kind = SrOutcomeKind.Success, Value = value, StatusCode = status, Attempts = attempts };
}
