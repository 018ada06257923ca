using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Passerelle.SmartRecruiters.Budget;
using Passerelle.SmartRecruiters.Transport;

namespace Passerelle.SmartRecruiters;

public static class SmartRecruitersServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SmartRecruitersClient"/> (a singleton: tokens and rate budgets live for the process),
    /// its options from the <c>SmartRecruiters</c> section, validated at start-up, and the pooled HTTP connection it
    /// sends through. Returns the named HttpClient's builder, so tests can swap the primary handler.
    /// </summary>
    public static IHttpClientBuilder AddSmartRecruitersClient(this IServiceCollection services)
    {
        services.AddOptions<SmartRecruitersOptions>().BindConfiguration(SmartRecruitersOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmartRecruitersOptions>, SmartRecruitersOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SmartRecruitersMetrics>();
        services.TryAddSingleton(sp => new RateBudgets(sp.GetRequiredService<IOptionsMonitor<SmartRecruitersOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Passerelle.SmartRecruiters.RateBudget")));
        services.TryAddSingleton(sp => new SrTransport(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<RateBudgets>(), sp.GetRequiredService<IOptionsMonitor<SmartRecruitersOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SmartRecruitersMetrics>(), sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new SmartRecruitersClient(sp.GetRequiredService<SrTransport>(), sp.GetRequiredService<IOptionsMonitor<SmartRecruitersOptions>>()));

        return services.AddHttpClient(SrTransport.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            // Per-attempt timeouts are the client's; connection reuse and DNS refresh are the handler's.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                ConnectTimeout = TimeSpan.FromSeconds(15),
                Expect100ContinueTimeout = TimeSpan.FromSeconds(2),
                MaxConnectionsPerServer = 1024,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
    }
}
