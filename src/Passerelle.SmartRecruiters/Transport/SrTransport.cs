using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.SmartRecruiters.Budget;
using Passerelle.SmartRecruiters.Tokens;
using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.SmartRecruiters.Transport;

/// <summary>One logical call: what to send, and whether SR may have acted on it if no answer comes.</summary>
internal sealed record SrCall(string Endpoint, HttpMethod Method, string PathAndQuery)
{
    /// <summary>Creates something in SR: never re-sent unless SR provably did not act on it.</summary>
    public bool IsCreate { get; init; }

    /// <summary>Send the credential's bearer token (false for the token endpoint and the public Posting API).</summary>
    public bool Authenticate { get; init; } = true;

    public Func<CancellationToken, ValueTask<HttpContent>>? Content { get; init; }

    /// <summary>Size of the upload, to give the attempt time to send it.</summary>
    public long UploadBytes { get; init; }

    public string? AcceptLanguage { get; init; }

    /// <summary>False for endpoints with limits of their own (SR: one concurrent <c>GET /candidates</c>).</summary>
    public bool LearnLimits { get; init; } = true;

    /// <summary>
    /// Called once, right before the request first leaves (after its rate slot and token were granted): the last
    /// moment a caller can record that the request may now exist in SR. An exception from it aborts the call.
    /// </summary>
    public Func<CancellationToken, ValueTask>? BeforeFirstSend { get; init; }

    /// <summary>Set once <see cref="BeforeFirstSend"/> ran (a call is sent by one caller, attempt after attempt).</summary>
    internal bool FirstSendAnnounced { get; set; }
}

/// <summary>
/// The attempt loop every SR call goes through: token, rate budget, one attempt with its timeout, then the answer
/// (or its absence) turned into an <see cref="SrOutcome{T}"/>. Retries happen here, not in handlers, because an
/// upload's body must be re-opened for each attempt and only the caller knows how.
/// </summary>
internal sealed partial class SrTransport
{
    public const string HttpClientName = "SmartRecruiters";

    private readonly IHttpClientFactory _httpClients;
    private readonly RateBudgets _budgets;
    private readonly IOptionsMonitor<SmartRecruitersOptions> _options;
    private readonly TimeProvider _time;
    private readonly SmartRecruitersMetrics _metrics;
    private readonly ILogger _logger;

    public SrTransport(IHttpClientFactory httpClients, RateBudgets budgets, IOptionsMonitor<SmartRecruitersOptions> options, TimeProvider time,
        SmartRecruitersMetrics metrics, ILoggerFactory loggers)
    {
        _httpClients = httpClients;
        _budgets = budgets;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = loggers.CreateLogger<SrTransport>();
        Tokens = new TokenManager(RequestTokenAsync, options, time, loggers.CreateLogger<TokenManager>());
    }

    public TokenManager Tokens { get; }

    /// <summary>A Retry-After longer than this is handed back to the caller (NotSent with RetryAfter) instead of awaited.</summary>
    internal static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(30);

    public RateBudget BudgetFor(SrCredential credential) => _budgets.For(credential.Key);

    public Task<SrOutcome<T>> SendAsync<T>(SrCredential credential, SrCall call, Func<string, T> parse, CancellationToken cancellationToken) =>
        SendAsync(credential, credential.BaseUrl, _budgets.For(credential.Key), call, parse, cancellationToken);

    /// <summary>The public Posting API: no credential, so the budget is shared by everything calling that host.</summary>
    public Task<SrOutcome<T>> SendAnonymousAsync<T>(Uri baseUrl, SrCall call, Func<string, T> parse, CancellationToken cancellationToken) =>
        SendAsync(null, baseUrl, _budgets.For("public|" + baseUrl.GetLeftPart(UriPartial.Authority)), call with { Authenticate = false }, parse, cancellationToken);

    private async Task<SrOutcome<T>> SendAsync<T>(SrCredential? credential, Uri baseUrl, RateBudget budget, SrCall call, Func<string, T> parse,
        CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var http = _httpClients.CreateClient(HttpClientName);
        var expectContinue = call.IsCreate;
        string? rejectedToken = null;
        var renewed = false;
        for (var attempt = 1; ; attempt++)
        {
            string? bearer = null;
            if (call.Authenticate)
            {
                var token = await Tokens.GetAsync(credential!, rejectedToken, cancellationToken);
                if (token.Token is null)
                {
                    return token.Failure!.As<T>() with { Attempts = attempt };
                }

                bearer = token.Token.Value;
            }

            var attemptResult = await AttemptAsync(http, baseUrl, budget, call, bearer, expectContinue, options, credential?.ConnectionId, cancellationToken);
            var (status, body, headers, failure, bodyLeft, sentAt) = attemptResult;
            if (failure is not null)
            {
                var provablyNotSent = call.Content is not null ? !bodyLeft : IsConnectFailure(failure);
                var what = failure is OperationCanceledException ? "no answer within the attempt timeout" : "the connection failed";
                if (call.IsCreate && !provablyNotSent)
                {
                    Log.InDoubt(_logger, call.Endpoint, credential?.ConnectionId, what);
                    return Failure<T>(SrOutcomeKind.InDoubt, null, attempt, $"{call.Endpoint}: {what} after the request was sent; SR may have acted on it.");
                }

                if (attempt < options.MaxAttempts)
                {
                    await Task.Delay(Backoff.Jittered(options.BackoffBase, options.BackoffCap, attempt), _time, cancellationToken);
                    continue;
                }

                return Failure<T>(SrOutcomeKind.NotSent, null, attempt, $"{call.Endpoint}: {what}; SR did not act on the request.");
            }

            var pause = budget.Observe(status, headers!, call.LearnLimits, sentAt);
            switch (status)
            {
                case >= 200 and < 300:
                    try
                    {
                        return SrOutcome.Success(parse(body), status, attempt);
                    }
                    catch (JsonException)
                    {
                        return call.IsCreate
                            ? Failure<T>(SrOutcomeKind.InDoubt, status, attempt, $"{call.Endpoint}: SR answered {status} with a body that could not be read; it probably acted.")
                            : Failure<T>(SrOutcomeKind.NotSent, status, attempt, $"{call.Endpoint}: SR answered {status} with a body that could not be read.");
                    }

                case 401 when call.Authenticate && !renewed:
                    // One forced renewal: the token may have been revoked or expired early.
                    renewed = true;
                    rejectedToken = bearer;
                    attempt--;
                    continue;

                case 401:
                    return Failure<T>(SrOutcomeKind.CredentialsRejected, status, attempt,
                        $"{call.Endpoint}: SR refused the credential even with a fresh token.", ReadErrors(body));

                case 403:
                    return Forbidden<T>(call, body, attempt);

                case 404:
                    return Failure<T>(SrOutcomeKind.NotFound, status, attempt, $"{call.Endpoint}: not found.", ReadErrors(body));

                case 417 when expectContinue:
                    // A proxy that does not know Expect: 100-continue refused the request before it went further.
                    expectContinue = false;
                    continue;

                case 503 or 408 when call.IsCreate && bodyLeft:
                    // A proxy may answer 503 after forwarding the body: SR may have acted on it.
                    Log.InDoubt(_logger, call.Endpoint, credential?.ConnectionId, $"SR answered {status} after the body was sent");
                    return Failure<T>(SrOutcomeKind.InDoubt, status, attempt, $"{call.Endpoint}: SR answered {status} after the request body was sent; it may have acted on it.", ReadErrors(body));

                case 429 or 503 or 408:
                    // A 429 is a rate limiter's refusal, never processed; 503 and 408 before the body left were not either.
                    if (attempt < options.MaxAttempts && !(pause > MaxInlineWait))
                    {
                        if (status != 429)
                        {
                            await Task.Delay(Backoff.Jittered(options.BackoffBase, options.BackoffCap, attempt), _time, cancellationToken);
                        }

                        continue;
                    }

                    return Failure<T>(SrOutcomeKind.NotSent, status, attempt,
                        status == 429 ? $"{call.Endpoint}: SR's rate limit was hit {attempt} time(s)." : $"{call.Endpoint}: SR was unavailable {attempt} time(s).",
                        ReadErrors(body)) with { RetryAfter = pause ?? options.BackoffBase };

                case >= 500 when call.IsCreate:
                    Log.InDoubt(_logger, call.Endpoint, credential?.ConnectionId, $"SR answered {status}");
                    return Failure<T>(SrOutcomeKind.InDoubt, status, attempt, $"{call.Endpoint}: SR answered {status}; it may have acted on the request.", ReadErrors(body));

                case >= 500:
                    if (attempt < options.MaxAttempts)
                    {
                        await Task.Delay(Backoff.Jittered(options.BackoffBase, options.BackoffCap, attempt), _time, cancellationToken);
                        continue;
                    }

                    return Failure<T>(SrOutcomeKind.NotSent, status, attempt, $"{call.Endpoint}: SR answered {status} {attempt} times.", ReadErrors(body));

                default:
                    // SR's messages may quote what was sent (an e-mail address): they stay in Errors, out of Detail.
                    var errors = ReadErrors(body);
                    var codes = errors.Select(e => e.Code).OfType<string>().Distinct().ToList();
                    return Failure<T>(SrOutcomeKind.Rejected, status, attempt,
                        $"{call.Endpoint}: SR refused the request ({status}){(codes.Count > 0 ? ": " + string.Join(", ", codes) : "")}.", errors);
            }
        }
    }

    private async Task<AttemptResult> AttemptAsync(HttpClient http, Uri baseUrl, RateBudget budget, SrCall call, string? bearer, bool expectContinue,
        SmartRecruitersOptions options, string? connectionId, CancellationToken cancellationToken)
    {
        using var lease = await budget.AcquireAsync(call.Endpoint, cancellationToken);
        using var request = new HttpRequestMessage(call.Method, new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + call.PathAndQuery));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (call.AcceptLanguage is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(call.AcceptLanguage);
        }

        TrackingContent? content = null;
        if (call.Content is not null)
        {
            content = new TrackingContent(await call.Content(cancellationToken));
            request.Content = content;
            request.Headers.ExpectContinue = expectContinue ? true : null;
        }

        if (call.BeforeFirstSend is { } beforeSend && !call.FirstSendAnnounced)
        {
            await beforeSend(cancellationToken);
            call.FirstSendAnnounced = true;
        }

        // Opening the content and the caller's hook take time after the slot was granted: the slot is when it leaves.
        lease.Sent();
        var timeout = options.AttemptTimeout + TimeSpan.FromSeconds((double)call.UploadBytes / options.UploadMinBytesPerSecond);
        using var attemptTimeout = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        var started = _time.GetTimestamp();
        _metrics.InFlight(1);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            lease.Read((int)response.StatusCode);
            _metrics.Attempt(call.Endpoint, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), _time.GetElapsedTime(started), connectionId);
            return new AttemptResult((int)response.StatusCode, body, response.Headers, null, content?.Started ?? false, lease.SentAt);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !(call.IsCreate && content is { Started: true }))
        {
            // The caller gave up. A create whose body had left is reported as in doubt below instead of thrown, so
            // that nobody mistakes it for never sent.
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            _metrics.Attempt(call.Endpoint, e is OperationCanceledException ? "timeout" : "transport_error", _time.GetElapsedTime(started), connectionId);
            return new AttemptResult(0, "", null, e, content?.Started ?? false);
        }
        finally
        {
            _metrics.InFlight(-1);
        }
    }

    /// <summary>The client credentials grant (client_secret_post). Counts toward the credential's budget, as at SR.</summary>
    internal async Task<SrOutcome<AccessToken>> RequestTokenAsync(SrCredential credential, CancellationToken cancellationToken)
    {
        _metrics.TokenRequested();
        var call = new SrCall("POST /identity/oauth/token", HttpMethod.Post, "/identity/oauth/token")
        {
            Authenticate = false,
            Content = async ct => new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = credential.ClientId,
                ["client_secret"] = await credential.Secret.GetSecretAsync(ct),
            }),
        };
        var issuedAt = _time.GetUtcNow();
        var outcome = await SendAsync(credential, credential.BaseUrl, _budgets.For(credential.Key), call,
            body => JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.TokenResponse), cancellationToken);
        if (!outcome.IsSuccess)
        {
            Log.TokenRefused(_logger, credential.ConnectionId, outcome.Kind, outcome.StatusCode);
            if (outcome.Kind == SrOutcomeKind.NotSent)
            {
                return outcome.As<AccessToken>() with { Detail = $"No token: {outcome.Detail}" };
            }

            // Whatever else the token endpoint says (invalid_client as 401 or 400, 403, 404 for a wrong base URL,
            // unsupported_grant_type), no call can be made with this connection as configured: the caller must
            // see the connection's problem, never "job not found" or "fix the candidate".
            var invalidClient = outcome.StatusCode == 401 || outcome.Errors.Any(e => e.Code == "invalid_client");
            return outcome.As<AccessToken>() with
            {
                Kind = SrOutcomeKind.CredentialsRejected,
                Detail = invalidClient
                    ? "SR's token endpoint refused the client id and secret (invalid_client): the secret was regenerated, the credential revoked, or a value mistyped."
                    : $"SR's token endpoint answered {outcome.StatusCode}: check the connection's base URL and credential.",
            };
        }

        var response = outcome.Value;
        if (string.IsNullOrEmpty(response.AccessToken))
        {
            return outcome.As<AccessToken>() with { Kind = SrOutcomeKind.CredentialsRejected, Detail = "SR's token endpoint answered 200 without an access token: check the connection's base URL and credential." };
        }

        var lifetime = TimeSpan.FromSeconds(response.ExpiresIn is > 0 ? response.ExpiresIn.Value : 1800);
        var scopes = response.Scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return SrOutcome.Success(new AccessToken(response.AccessToken, issuedAt, issuedAt + lifetime, scopes), outcome.StatusCode ?? 200, outcome.Attempts);
    }

    private static SrOutcome<T> Forbidden<T>(SrCall call, string body, int attempt)
    {
        var errors = ReadErrors(body);
        var message = ReadMessage(body) ?? "";
        if (message.Contains("No access to feature", StringComparison.OrdinalIgnoreCase))
        {
            return Failure<T>(SrOutcomeKind.Forbidden, 403, attempt, $"{call.Endpoint}: the company has no access to SR's Customer API.", errors)
                with { Forbidden = SrForbiddenReason.ApiAccessDisabled };
        }

        var permission = message.Contains("OAuthPermissionsException", StringComparison.OrdinalIgnoreCase)
                         || errors.Any(e => e.Code == "OAuthPermissionsException");
        var scope = ScopeIn(message);
        return Failure<T>(SrOutcomeKind.Forbidden, 403, attempt,
                permission ? $"{call.Endpoint}: the credential lacks {(scope is null ? "a scope" : $"the scope {scope}")}." : $"{call.Endpoint}: SR answered 403.", errors)
            with { Forbidden = permission ? SrForbiddenReason.ScopeMissing : SrForbiddenReason.Other, MissingScope = scope };
    }

    private static string? ScopeIn(string message)
    {
        // "OAuthPermissionsException: scope jobs_read required": the scope name is the word after "scope".
        var words = message.Split([' ', ':', ',', '.'], StringSplitOptions.RemoveEmptyEntries);
        var index = Array.FindIndex(words, w => w.Equals("scope", StringComparison.OrdinalIgnoreCase));
        return index >= 0 && index + 1 < words.Length && words[index + 1].All(c => char.IsAsciiLetterLower(c) || c == '_') ? words[index + 1] : null;
    }

    private static SrOutcome<T> Failure<T>(SrOutcomeKind kind, int? status, int attempts, string detail, IReadOnlyList<SrError>? errors = null) =>
        new() { Kind = kind, StatusCode = status, Attempts = attempts, Detail = detail, Errors = errors ?? [] };

    internal static IReadOnlyList<SrError> ReadErrors(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            if (root.TryGetProperty("error", out var oauthError) && oauthError.ValueKind == JsonValueKind.String)
            {
                return [new SrError(oauthError.GetString(), root.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null)];
            }

            var parsed = JsonSerializer.Deserialize(root, SmartRecruitersJsonContext.Default.SrErrorBody);
            var errors = parsed?.Errors?.Select(e => new SrError(e.Code, e.Message)).ToList() ?? [];
            return errors.Count > 0 || parsed?.Message is null ? errors : [new SrError(null, parsed.Message)];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? ReadMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>No connection was made, so nothing was sent.</summary>
    private static bool IsConnectFailure(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }
        || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable };

    private readonly record struct AttemptResult(int Status, string Body, HttpResponseHeaders? Headers, Exception? Failure, bool BodyLeft, long? SentAt = null);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Endpoint} for connection {ConnectionId} is in doubt: {What}")]
        public static partial void InDoubt(ILogger logger, string endpoint, string? connectionId, string what);

        [LoggerMessage(2, LogLevel.Warning, "SR refused a token to connection {ConnectionId}: {Kind} (status {Status})")]
        public static partial void TokenRefused(ILogger logger, string connectionId, SrOutcomeKind kind, int? status);
    }
}
