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

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{ExceptionType} on {Path} answered with a problem")]
        public static partial void Handled(ILogger logger, string exceptionType, string path);
    }
}
