using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Gate;

/// <summary>
/// Results serialised at once (inside the state lock when needed), so a response never reads state that another
/// request is changing.
/// </summary>
internal sealed class JsonBytesResult(byte[] body, int statusCode) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => statusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body).AsTask();
    }
}

internal static class SrResults
{
    public static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK) =>
        new JsonBytesResult(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), statusCode);

    /// <summary>SR's error shape: <c>{"message":"...","errors":[{"code":"...","message":"..."}]}</c>.</summary>
    public static IResult Error(int statusCode, string code, string message) =>
        Json(Body(code, message), SandboxJsonContext.Wire.SrErrorBody, statusCode);

    public static SrErrorBody Body(string code, string message) => new()
    {
        Message = message,
        Errors = [new SrErrorItem { Code = code, Message = message }],
    };

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, "INVALID_REQUEST", message);

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, "NOT_FOUND", message);

    public static IResult Unauthorized() =>
        Error(StatusCodes.Status401Unauthorized, "UNAUTHORIZED", "Unauthorized: missing, expired or invalid access token.");

    public static IResult MissingScope(string scope) => Json(new SrErrorBody
    {
        Message = $"OAuthPermissionsException: scope {scope} required",
        Errors = [new SrErrorItem { Code = "OAuthPermissionsException", Message = $"The access token does not grant the scope {scope}." }],
    }, SandboxJsonContext.Wire.SrErrorBody, StatusCodes.Status403Forbidden);

    public static IResult NoApiAccess() => Json(new SrErrorBody
    {
        Message = "No access to feature: Customer API",
    }, SandboxJsonContext.Wire.SrErrorBody, StatusCodes.Status403Forbidden);

    public static IResult ServerError(int statusCode) => Error(statusCode, statusCode switch
    {
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_SERVER_ERROR",
    }, statusCode switch
    {
        502 => "Bad gateway.",
        503 => "Service temporarily unavailable. Please retry later.",
        _ => "Internal server error.",
    });
}

/// <summary>
/// What the gate needs to know about an SR endpoint: its name in the stats, the scope it demands, and a concurrency
/// limit of its own where SR sets one (one <c>GET /candidates</c> at a time per credential).
/// </summary>
internal sealed record SrEndpoint(string Name, string? Scope, bool IsTokenEndpoint = false, int? ConcurrencyLimit = null);
