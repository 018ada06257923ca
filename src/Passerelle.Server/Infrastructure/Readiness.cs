using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Passerelle.Server.Infrastructure;

/// <summary>
/// The body of <c>/health/ready</c>: the overall status, then each check with, when it fails, what is wrong and what to
/// do. It names dependencies, never an address, user or password (the problems are written to hold none).
/// </summary>
internal static class Readiness
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            if (entry.Status != HealthStatus.Healthy)
            {
                // A check that threw or timed out has no description of ours: say so without the exception's text.
                json.WriteString("problem", entry.Description ?? (entry.Exception is null ? "it did not answer" : $"it failed ({entry.Exception.GetType().Name})"));
                if (entry.Data.TryGetValue("remedy", out var remedy))
                {
                    json.WriteString("remedy", remedy.ToString());
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
