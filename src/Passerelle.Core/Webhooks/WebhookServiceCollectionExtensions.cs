using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Passerelle.Core.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WebhookDispatcher"/> (scoped, like the database context it uses), its options from the
    /// <c>Webhooks</c> section, validated at start-up, and the <c>Webhooks</c> HttpClient: a timeout of
    /// <see cref="WebhookOptions.Timeout"/>, redirects never followed (the subscribed URL is the one that gets the
    /// signed body), no cookies, no proxy, no request logging (URLs may carry a receiver's token in their query), and
    /// connections only to public addresses unless <see cref="WebhookOptions.AllowPrivateNetworks"/> (see
    /// <see cref="WebhookAddresses"/>). Returns the HttpClient's builder so tests can plug in a receiver.
    /// </summary>
    public static IHttpClientBuilder AddWebhookDispatcher(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddScoped<WebhookDispatcher>();
        return services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient((sp, http) => http.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                // A proxy would make the connect-time address check see the proxy instead of the receiver.
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectCallback = WebhookAddresses.ConnectCallback(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks),
            })
            .RemoveAllLoggers();
    }
}
