using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;
using Passerelle.Server.ApiKeys;
using Passerelle.Server.Applications;
using Passerelle.Server.Auth;
using Passerelle.Server.Connections;
using Passerelle.Server.Infrastructure;
using Passerelle.Server.Jobs;
using Passerelle.Server.Lanes;
using Passerelle.Server.Ui;
using Passerelle.Server.Webhooks;
using Passerelle.SmartRecruiters;
using Scalar.AspNetCore;

namespace Passerelle.Server;

public static class ServerExtensions
{
    /// <summary>
    /// Everything the server needs: persistence, secret protection, the SR client, API-key authentication, problem
    /// details, OpenAPI, health checks and OpenTelemetry (exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).
    /// </summary>
    public static WebApplicationBuilder AddPasserelleServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Framework-made problems (malformed JSON, unknown routes) get a stable code and a sentence too.
            if (!context.ProblemDetails.Extensions.ContainsKey("code"))
            {
                var (code, detail) = context.ProblemDetails.Status switch
                {
                    400 => ("request.malformed", "The request is malformed: a body that is not JSON of the expected shape (unknown fields are refused) or a query value of the wrong type; see /openapi/v1.json."),
                    404 => ("not_found", "No such endpoint: see /openapi/v1.json for the API."),
                    405 => ("method_not_allowed", "This endpoint does not accept this method: see /openapi/v1.json."),
                    415 => ("request.json_required", "Send the body as application/json."),
                    _ => ("error", context.ProblemDetails.Detail ?? "The request failed."),
                };
                context.ProblemDetails.Extensions["code"] = code;
                context.ProblemDetails.Detail ??= detail;
            }
        });

        // A body that does not bind is the caller's mistake in every environment: a 400 problem, never an exception.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);

        services.AddPasserellePersistence(builder.Configuration);
        services.AddPasserelleSecrets(builder.Configuration);

        // Every outgoing call is logged without its headers: the default logging leaks their values (see HttpCallLogger).
        services.AddSingleton<Infrastructure.HttpCallLogger>();
        services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers().AddLogger<Infrastructure.HttpCallLogger>());
        services.AddSmartRecruitersClient();
        services.AddScoped<ConnectionService>();
        builder.AddPasserelleCluster();
        services.AddOptions<ConnectionProbeOptions>().BindConfiguration("Connections")
            .Validate(o => o.ProbeInterval >= TimeSpan.FromMinutes(1) && o.ProbeInterval <= TimeSpan.FromDays(30),
                "Connections:ProbeInterval must be between one minute and 30 days (e.g. \"1.00:00:00\" for a day).")
            .ValidateOnStart();
        services.AddSingleton<DailyProbeWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DailyProbeWorker>());

        services.AddPasserelleWebhooks(builder.Configuration);
        services.AddPasserelleApplications(builder.Configuration);
        services.AddSingleton<FailedAuthLimiter>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Admin, policy => policy.RequireRole(nameof(Core.ApiClients.ApiRole.Admin)))
            .AddPolicy(AuthPolicies.UnrestrictedAdmin, policy => policy.RequireRole(nameof(Core.ApiClients.ApiRole.Admin))
                .RequireAssertion(context => !context.User.IsRestricted()))
            .AddPolicy(AuthPolicies.Platform, policy => policy.RequireRole(nameof(Core.ApiClients.ApiRole.Admin), nameof(Core.ApiClients.ApiRole.Platform)));

        builder.AddPasserelleConsole();

        services.AddExceptionHandler<Infrastructure.ConflictExceptionHandler>();
        services.AddOpenApi();
        // The readiness checks (database; cluster in Redis mode) come with the lanes: AddPasserelleCluster.

        var telemetry = services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddMeter(SmartRecruitersMetrics.MeterName, ApplicationMetrics.MeterName))
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithMetrics(m => m.AddOtlpExporter()).WithTracing(t => t.AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>
    /// Checks every setting, then migrates (unless <c>Database:MigrateOnStartup=false</c>), creates the first admin key,
    /// and maps every endpoint.
    /// </summary>
    public static async Task<WebApplication> UsePasserelleServerAsync(this WebApplication app)
    {
        // The settings first: a start that is going to be refused must not migrate a database or write a key ring
        // on its way (the host's own start validates them again, too late for that).
        app.Services.GetService<IStartupValidator>()?.Validate();
        ClusterHosting.EnsurePortsFree(app.Configuration);
        app.Services.GetRequiredService<KeyRingLocation>().EnsureOwnerOnly();
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await app.Services.MigrateAsync();
        }

        await BootstrapAdminKey.EnsureAsync(app.Services, CancellationToken.None);

        // The API answers in problem details; pages get an HTML page in the reader's language.
        app.UseWhen(context => ConsoleExtensions.IsApiPath(context.Request.Path), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.UseWhen(context => !ConsoleExtensions.IsApiPath(context.Request.Path), pages =>
        {
            pages.UseExceptionHandler("/error");
            pages.UseStatusCodePagesWithReExecute("/error", "?status={0}");
        });

        // Routing after the error handlers, so that a re-executed request finds the error page's endpoint.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = Readiness.WriteAsync });
        app.MapConnectionEndpoints();
        app.MapApiKeyEndpoints();
        app.MapJobEndpoints();
        app.MapWebhookEndpoints();
        app.MapApplicationEndpoints();
        await app.UsePasserelleConsoleAsync();
        return app;
    }
}

/// <summary>Names the server's assembly for hosts and tests (<c>WebApplicationFactory&lt;PasserelleServer&gt;</c>).</summary>
public sealed class PasserelleServer;
