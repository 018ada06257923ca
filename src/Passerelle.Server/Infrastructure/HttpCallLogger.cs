using Microsoft.Extensions.Http.Logging;

namespace Passerelle.Server.Infrastructure;

/// <summary>
/// Logs every outgoing HTTP call (SR, webhooks, the demo) without its headers, in place of IHttpClientFactory's
/// default logging. The default's Trace lines carry the request and response headers: their message redacts the
/// values, but their structured state hands them out in clear (Microsoft.Extensions.Http 10.0), so a sink that writes
/// state (the JSON console, OpenTelemetry logs) recorded SR's bearer tokens once the level was lowered. Found by the
/// canary sweep (tests/Passerelle.Server.Tests/Security/CanarySweepTests.cs). What it writes is what the default's
/// Information lines said: method, URL with its query redacted, status and duration; at Debug, so off by default.
/// </summary>
internal sealed partial class HttpCallLogger(ILogger<HttpCallLogger> logger) : IHttpClientLogger
{
    public object? LogRequestStart(HttpRequestMessage request)
    {
        Log.Sending(logger, request.Method, Redacted(request.RequestUri));
        return null;
    }

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed) =>
        Log.Received(logger, request.Method, Redacted(request.RequestUri), (int)response.StatusCode, elapsed.TotalMilliseconds);

    // The exception's type and kind only: its message is not ours to vouch for.
    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        Log.Failed(logger, request.Method, Redacted(request.RequestUri), exception.GetType().Name,
            (exception as HttpRequestException)?.HttpRequestError.ToString() ?? "-", elapsed.TotalMilliseconds);

    /// <summary>The URL as .NET's own logs show it since .NET 9: the query's values are not shown.</summary>
    private static string Redacted(Uri? uri) => uri is null ? "(none)"
        : uri.IsAbsoluteUri ? uri.GetLeftPart(UriPartial.Path) + (uri.Query.Length > 0 ? "?*" : "")
        : uri.OriginalString.Split('?')[0];

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Sending HTTP request {Method} {Uri}")]
        public static partial void Sending(ILogger logger, HttpMethod method, string uri);

        [LoggerMessage(2, LogLevel.Debug, "HTTP {Method} {Uri} answered {StatusCode} after {ElapsedMilliseconds:0.0} ms")]
        public static partial void Received(ILogger logger, HttpMethod method, string uri, int statusCode, double elapsedMilliseconds);

        [LoggerMessage(3, LogLevel.Debug, "HTTP {Method} {Uri} failed after {ElapsedMilliseconds:0.0} ms: {ExceptionType} ({Error})")]
        public static partial void Failed(ILogger logger, HttpMethod method, string uri, string exceptionType, string error, double elapsedMilliseconds);
    }
}
