using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Passerelle.SmartRecruiters.Tokens;

/// <summary>An access token and when to stop using it. Never logged.</summary>
internal sealed record AccessToken(string Value, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, IReadOnlyList<string>? Scopes)
{
    public override string ToString() => $"AccessToken(***, expires {ExpiresAt:O})";
}

/// <summary>A token, or why there is none.</summary>
internal sealed record TokenResult(AccessToken? Token, SrOutcome<AccessToken>? Failure)
{
    public static TokenResult From(SrOutcome<AccessToken> outcome) =>
        outcome.IsSuccess ? new TokenResult(outcome.Value, null) : new TokenResult(null, outcome);
}

/// <summary>
/// One token per credential: fetched once however many callers ask at the same time, reused until shortly before it
/// expires (renewed in the background from half its life or 60 s before expiry, whichever comes first), renewed at
/// once when SR rejects it, never cached when the request for it failed.
/// </summary>
internal sealed partial class TokenManager(
    Func<SrCredential, CancellationToken, Task<SrOutcome<AccessToken>>> requestToken,
    IOptionsMonitor<SmartRecruitersOptions> options,
    TimeProvider time,
    ILogger<TokenManager> logger)
{
    /// <summary>A token this close to expiry is not sent: it could expire on the way.</summary>
    private static readonly TimeSpan ExpiryGuard = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, CredentialTokens> _credentials = new(StringComparer.Ordinal);

    public async Task<TokenResult> GetAsync(SrCredential credential, string? rejected, CancellationToken cancellationToken)
    {
        var state = _credentials.GetOrAdd(credential.Key, _ => new CredentialTokens());
        Task<SrOutcome<AccessToken>> pending;
        lock (state.Gate)
        {
            Settle(state);
            var now = time.GetUtcNow();
            var current = state.Current;
            var usable = current is not null && now < current.ExpiresAt - ExpiryGuard && current.Value != rejected;
            if (usable)
            {
                if (now >= RefreshAt(current!) && state.Pending is null && now >= state.NextBackgroundRefresh)
                {
                    Log.RefreshingInBackground(logger, credential.ConnectionId);
                    state.Pending = Start(credential, state);
                }

                return new TokenResult(current, null);
            }

            if (rejected is not null && current?.Value == rejected)
            {
                // SR refused this token: forget it, so that nobody else sends it either.
                state.Current = null;
            }

            state.Pending ??= Start(credential, state);
            pending = state.Pending;
        }

        return TokenResult.From(await pending.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Takes in a finished request before its continuation has run: a success becomes the current token, a failure is
    /// dropped so that the next caller asks again instead of being handed the old failure.
    /// </summary>
    private void Settle(CredentialTokens state)
    {
        if (state.Pending is { IsCompleted: true } done)
        {
            if (done.IsCompletedSuccessfully && done.Result.IsSuccess)
            {
                state.Current = done.Result.Value;
            }
            else
            {
                // While the current token still works, a failed renewal is not retried by every call: the budget
                // those requests would use belongs to real work. Callers with no usable token still ask at once.
                state.NextBackgroundRefresh = time.GetUtcNow() + FailedRefreshPause;
            }

            state.Pending = null;
        }
    }

    private static readonly TimeSpan FailedRefreshPause = TimeSpan.FromSeconds(30);

    /// <summary>Drops the cached token, e.g. after the secret was rotated.</summary>
    public void Forget(SrCredential credential) => _credentials.TryRemove(credential.Key, out _);

    /// <summary>Whether a token request for the credential is under way (tests wait on it before moving a fake clock).</summary>
    internal bool IsRequesting(SrCredential credential)
    {
        if (!_credentials.TryGetValue(credential.Key, out var state))
        {
            return false;
        }

        lock (state.Gate)
        {
            return state.Pending is { IsCompleted: false };
        }
    }

    /// <summary>Makes a token obtained outside the cache (by a probe) the current one.</summary>
    public void Adopt(SrCredential credential, AccessToken token)
    {
        var state = _credentials.GetOrAdd(credential.Key, _ => new CredentialTokens());
        lock (state.Gate)
        {
            state.Current = token;
        }
    }

    private DateTimeOffset RefreshAt(AccessToken token)
    {
        var lifetime = token.ExpiresAt - token.IssuedAt;
        var early = token.ExpiresAt - options.CurrentValue.TokenRefreshBeforeExpiry;
        var half = token.IssuedAt + (lifetime / 2);
        return early < half ? early : half;
    }

    private Task<SrOutcome<AccessToken>> Start(SrCredential credential, CredentialTokens state)
    {
        // The request runs on its own, off this lock (it decrypts the secret and waits for the budget), and a caller
        // that gives up must not cancel it for the others waiting on it.
        var task = Task.Run(() => requestToken(credential, CancellationToken.None));
        _ = task.ContinueWith(done =>
        {
            lock (state.Gate)
            {
                if (state.Pending == done)
                {
                    Settle(state);
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.RunContinuationsAsynchronously, TaskScheduler.Default);
        return task;
    }

    private sealed class CredentialTokens
    {
        public Lock Gate { get; } = new();
        public AccessToken? Current { get; set; }
        public Task<SrOutcome<AccessToken>>? Pending { get; set; }
        public DateTimeOffset NextBackgroundRefresh { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Renewing the SR token of connection {ConnectionId} in the background")]
        public static partial void RefreshingInBackground(ILogger logger, string connectionId);
    }
}
