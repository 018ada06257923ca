using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Passerelle.Sandbox.Auth;
using Passerelle.Sandbox.Candidates;
using Passerelle.Sandbox.Control;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.Inbox;
using Passerelle.Sandbox.Jobs;
using Passerelle.Sandbox.Postings;
using Passerelle.Sandbox.Seed;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox;

public static class SandboxExtensions
{
    /// <summary>The configuration section both <see cref="SandboxOptions"/> and <see cref="SandboxSettings"/> bind to.</summary>
    public const string SectionName = "Sandbox";

    /// <summary>
    /// Registers the SmartRecruiters sandbox: in-memory state, rate limits, fault injection and seeding. Settings bind
    /// from the <c>Sandbox</c> section and are validated at start-up. Uses the registered <see cref="TimeProvider"/>
    /// (the system clock unless a test registers a fake one first).
    /// </summary>
    public static IServiceCollection AddSmartRecruitersSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration(SectionName).ValidateOnStart();
        services.AddOptions<SandboxSettings>().BindConfiguration(SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SandboxSettings>, SandboxSettingsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SandboxState(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TrafficMonitor>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<SandboxSeeder>();
        services.AddProblemDetails();

        // Uploads are limited by the sandbox itself (SR-shaped 413 at maxAttachmentBytes), not by Kestrel's 30 MB default.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 1024L * 1024 * 1024);
        return services;
    }

    /// <summary>
    /// Maps SmartRecruiters' paths (token, jobs, candidates, postings), the control API under <c>/_sandbox/</c> and
    /// the inbox page, and applies the configured seed. The sandbox owns its application: give it its own host.
    /// </summary>
    public static WebApplication MapSmartRecruitersSandbox(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(ShapeEmptyErrorAsync);
        app.Use(DefaultRateLimitHeaders);

        var sr = app.MapGroup("").AddEndpointFilter<SrGateFilter>();
        sr.MapTokenEndpoint();
        sr.MapJobEndpoints();
        sr.MapCandidateEndpoints();
        app.MapPostingEndpoints();
        app.MapControlEndpoints();
        app.MapInboxPage();

        var (_, error) = app.Services.GetRequiredService<SandboxSeeder>().Reset();
        if (error is not null)
        {
            throw new InvalidOperationException($"Sandbox:Seed is not usable: {error}");
        }

        return app;
    }

    /// <summary>SR answers errors with a body; so does the sandbox, even for 404/405 that routing produced.</summary>
    private static async Task ShapeEmptyErrorAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Request.Path.StartsWithSegments("/_sandbox"))
        {
            await Results.Problem(statusCode: http.Response.StatusCode, detail: "See docs/sandbox.md for the control API.").ExecuteAsync(http);
            return;
        }

        var status = http.Response.StatusCode;
        var body = SrResults.Body(status switch
        {
            404 => "NOT_FOUND",
            405 => "METHOD_NOT_ALLOWED",
            _ => "ERROR",
        }, status switch
        {
            404 => $"No SmartRecruiters endpoint at {http.Request.Path}.",
            405 => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
            _ => "The request failed.",
        });
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, body, SandboxJsonContext.Wire.SrErrorBody);
    }

    /// <summary>Every SR response carries the rate-limit headers; unattributed ones show the full allowance.</summary>
    private static Task DefaultRateLimitHeaders(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/_sandbox"))
        {
            var state = http.RequestServices.GetRequiredService<SandboxState>();
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                if (!headers.ContainsKey(RateLimitHeaders.Limit))
                {
                    var settings = state.Settings;
                    headers[RateLimitHeaders.Limit] = settings.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    headers[RateLimitHeaders.Remaining] = settings.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    headers[RateLimitHeaders.ConcurrentLimit] = settings.ConcurrentRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    headers[RateLimitHeaders.ConcurrentRemaining] = settings.ConcurrentRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return Task.CompletedTask;
            });
        }

        return next(http);
    }

    private sealed class SandboxSettingsValidator : IValidateOptions<SandboxSettings>
    {
        public ValidateOptionsResult Validate(string? name, SandboxSettings options) =>
            options.Validate() is { Count: > 0 } errors
                ? ValidateOptionsResult.Fail(errors.Select(e => "Sandbox:" + e))
                : ValidateOptionsResult.Success;
    }
}
