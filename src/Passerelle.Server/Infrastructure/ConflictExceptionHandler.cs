using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Secrets;

namespace Passerelle.Server.Infrastructure;

/// <summary>
/// Failures a caller can cause by timing (two writers at once) or an operator by configuration (a missing key ring)
/// answer with a problem that says what to do, not a bare 500.
/// </summary>
internal sealed partial class ConflictExceptionHandler(ILogger<ConflictExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // Pages answer with their own HTML error page (Pages/Error), in the reader's language.
        if (!Ui.ConsoleExtensions.IsApiPath(httpContext.Request.Path))
        {
            return false;
        }

        if (DatabaseUnavailable(exception))
        {
            // Nothing was written: the caller must send it again (same Idempotency-Key), not give up as on a 409 or a 500.
            Log.DatabaseUnavailable(logger, exception.GetType().Name, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
            await Problems.Of(StatusCodes.Status503ServiceUnavailable, "database.unavailable",
                "Passerelle's database does not answer at the moment, so nothing was recorded: send the same request again in a few seconds (with the same Idempotency-Key).")
                .ExecuteAsync(httpContext);
            return true;
        }

        var problem = exception switch
        {
            DbUpdateConcurrencyException => Problems.Of(StatusCodes.Status409Conflict, "conflict.concurrent_change",
                "Someone changed this resource at the same moment: read it again and retry."),
            DbUpdateException => Problems.Of(StatusCodes.Status409Conflict, "conflict.duplicate",
                "This conflicts with an existing resource (a name already taken, most likely): change it and retry."),
            SecretUnavailableException => Problems.Of(StatusCodes.Status503ServiceUnavailable, "secrets.key_ring_unavailable",
                "A stored secret cannot be decrypted: the operator must restore the Data Protection key ring (see docs/operations.md), or the secret must be rotated."),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        Log.Handled(logger, exception.GetType().Name, httpContext.Request.Path);
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    private const string RetryAfterSeconds = "5";

    /// <summary>
    /// The database is down or unreachable (a transient provider error, a socket or a timeout anywhere in the chain),
    /// as opposed to a write it refused: EF wraps the first in the same DbUpdateException as the second.
    /// </summary>
    internal static bool DatabaseUnavailable(Exception exception) => Core.Persistence.DatabaseFailures.IsUnavailable(exception);

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "{ExceptionType} on {Path}: the database is unavailable; answered 503")]
        public static partial void DatabaseUnavailable(ILogger logger, string exceptionType, string path);

        [LoggerMessage(1, LogLevel.Warning, "{ExceptionType} on {Path} answered with a problem")]
        public static partial void Handled(ILogger logger, string exceptionType, string path);
    }
}
