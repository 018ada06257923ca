using System.Globalization;
using Passerelle.Sandbox.Auth;
using Passerelle.Sandbox.State;

namespace Passerelle.Sandbox.Gate;

/// <summary>
/// Runs in front of every SmartRecruiters endpoint, in SR's order: authenticate, admit within the credential's rate
/// limits, inject the credential's faults, check the company's API feature and the scope, and only then let the
/// endpoint validate the path and body. That order is what makes side-effect-free capability probes possible.
/// </summary>
internal sealed class SrGateFilter(SandboxState state, TrafficMonitor traffic, FaultInjector faults, IHostApplicationLifetime lifetime)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var endpoint = http.GetEndpoint()?.Metadata.GetMetadata<SrEndpoint>()
                       ?? throw new InvalidOperationException("Every SR endpoint carries SrEndpoint metadata.");

        var caller = endpoint.IsTokenEndpoint ? await TokenCallerAsync(http.Request) : SrAuthentication.Authenticate(state, http.Request);
        if (caller is null)
        {
            // A token request from an unknown client is answered by the endpoint (invalid_client); nothing to account.
            return endpoint.IsTokenEndpoint ? await next(context) : SrResults.Unauthorized();
        }

        var admission = traffic.TryAdmit(caller.Key, endpoint.Name, endpoint.IsTokenEndpoint, endpoint.ConcurrencyLimit);
        WriteRateLimitHeaders(http.Response, admission);
        if (!admission.Admitted)
        {
            if (admission.Settings.SendRetryAfter)
            {
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(admission.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            traffic.RecordStatus(caller.Key, endpoint.Name, "429");
            return SrResults.Error(StatusCodes.Status429TooManyRequests, "TOO_MANY_REQUESTS",
                "Too many requests: the credential's rate or concurrency limit was exceeded.");
        }

        http.Items[typeof(SrCaller)] = caller;
        var lease = admission.Lease!;
        http.Response.RegisterForDispose(lease);

        // When the answer starts, SR's work on the request is done: the concurrency slot is freed then (not after the
        // last byte, which a fast client could beat with its next request) and the status is recorded, so the stats
        // are current by the time the client reads them. Requests the sandbox drops on purpose never start an answer:
        // their slot is freed when the request ends and they are recorded by their fault instead.
        var dropped = false;
        http.Response.OnStarting(() =>
        {
            lease.Dispose();
            if (!dropped)
            {
                traffic.RecordStatus(caller.Key, endpoint.Name, http.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
            }

            return Task.CompletedTask;
        });

        var plan = faults.Plan(caller.Credential, http.Request);
        if (plan.Kind is FaultKind.Reset or FaultKind.Hang or FaultKind.CommitThenDrop or FaultKind.CommitThenHang)
        {
            dropped = true;
            traffic.RecordStatus(caller.Key, endpoint.Name, plan.Kind switch
            {
                FaultKind.Reset => "reset",
                FaultKind.Hang => "hang",
                FaultKind.CommitThenDrop => "commit-then-drop",
                _ => "commit-then-hang",
            });
        }

        try
        {
            if (plan.Latency > TimeSpan.Zero)
            {
                await Task.Delay(plan.Latency, state.Time, http.RequestAborted);
            }

            switch (plan.Kind)
            {
                case FaultKind.Reset:
                    http.Abort();
                    return Results.Empty;
                case FaultKind.Hang:
                    await HangAsync(http);
                    return Results.Empty;
                case FaultKind.Error500:
                    return SrResults.ServerError(500);
                case FaultKind.Error502:
                    return SrResults.ServerError(502);
                case FaultKind.Error503:
                    return SrResults.ServerError(503);
            }

            if (!endpoint.IsTokenEndpoint && Refusal(caller, endpoint) is { } refusal)
            {
                return refusal;
            }

            var result = await next(context);
            switch (plan.Kind)
            {
                case FaultKind.CommitThenDrop:
                    http.Abort();
                    return Results.Empty;
                case FaultKind.CommitThenHang:
                    await HangAsync(http);
                    return Results.Empty;
                default:
                    return result;
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The client gave up (or the sandbox is stopping): there is nobody left to answer.
            return Results.Empty;
        }
    }

    private IResult? Refusal(SrCaller caller, SrEndpoint endpoint)
    {
        lock (state.Gate)
        {
            if (!state.Companies.TryGetValue(caller.Company, out var company) || !company.ApiAccess)
            {
                return SrResults.NoApiAccess();
            }

            return endpoint.Scope is { } scope && caller.Credential is { } credential && !credential.Scopes.Contains(scope)
                ? SrResults.MissingScope(scope)
                : null;
        }
    }

    private async Task<SrCaller?> TokenCallerAsync(HttpRequest request)
    {
        IFormCollection? form = null;
        if (request.HasFormContentType)
        {
            try
            {
                form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                return null;
            }
        }

        var (clientId, _, _) = SrAuthentication.ClientCredentials(request, form);
        if (clientId is null)
        {
            return null;
        }

        lock (state.Gate)
        {
            return state.Credentials.TryGetValue(clientId, out var credential)
                ? new SrCaller(credential.ClientId, credential.Company, credential)
                : null;
        }
    }

    private async Task HangAsync(HttpContext http)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        await Task.Delay(Timeout.InfiniteTimeSpan, state.Time, linked.Token);
    }

    private static void WriteRateLimitHeaders(HttpResponse response, TrafficMonitor.Admission admission)
    {
        response.Headers[RateLimitHeaders.Limit] = admission.Settings.RequestsPerSecond.ToString(CultureInfo.InvariantCulture);
        response.Headers[RateLimitHeaders.Remaining] = admission.Remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers[RateLimitHeaders.ConcurrentLimit] = admission.ConcurrencyLimit.ToString(CultureInfo.InvariantCulture);
        response.Headers[RateLimitHeaders.ConcurrentRemaining] = admission.ConcurrentRemaining.ToString(CultureInfo.InvariantCulture);
    }
}

internal static class SrCallerExtensions
{
    /// <summary>The caller the gate authenticated; endpoints behind the gate always have one.</summary>
    public static SrCaller Caller(this HttpContext http) =>
        http.Items[typeof(SrCaller)] as SrCaller ?? throw new InvalidOperationException("The SR gate did not run for this endpoint.");

    /// <summary>The sandbox's own base URL as the caller sees it, for the links SR puts in its answers.</summary>
    public static string BaseUrl(this HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}

internal static class RateLimitHeaders
{
    public const string Limit = "X-RateLimit-Limit";
    public const string Remaining = "X-RateLimit-Remaining";
    public const string ConcurrentLimit = "X-RateLimit-Concurrent-Limit";
    public const string ConcurrentRemaining = "X-RateLimit-Concurrent-Remaining";
}
