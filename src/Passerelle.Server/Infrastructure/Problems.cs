using Microsoft.AspNetCore.Http.HttpResults;

namespace Passerelle.Server.Infrastructure;

/// <summary>RFC 9457 problem details with a stable machine-readable <c>code</c> and a sentence saying what to do.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: all);
    }

    public static ProblemHttpResult NotFound(string what) =>
        Of(StatusCodes.Status404NotFound, "not_found", $"No {what} with this id, or not one this API key may see.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        Of(StatusCodes.Status400BadRequest, "validation_failed", "Some fields are invalid: correct those listed in 'errors' and send the request again.",
            new Dictionary<string, object?> { ["errors"] = errors });
}
