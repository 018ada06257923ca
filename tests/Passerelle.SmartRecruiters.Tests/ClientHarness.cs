using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

/// <summary>
/// The client as the server will host it, sending through the in-process sandbox (or a sandbox process): any
/// request to another host would fail, as the sandbox's handler knows no other.
/// </summary>
public sealed class ClientHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ClientHarness(ServiceProvider services, Uri baseUrl)
    {
        _services = services;
        BaseUrl = baseUrl;
        Client = services.GetRequiredService<SmartRecruitersClient>();
    }

    public SmartRecruitersClient Client { get; }

    /// <summary>True while the client is fetching a token for the credential.</summary>
    public bool IsRequestingToken(SrCredential credential) =>
        _services.GetRequiredService<Transport.SrTransport>().Tokens.IsRequesting(credential);

    public Uri BaseUrl { get; }

    public FakeLogCollector Logs => _services.GetRequiredService<FakeLogCollector>();

    public MetricCollector<long> Collect(string instrument) =>
        new(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SmartRecruitersMetrics.MeterName, instrument);

    public static ClientHarness For(SandboxFactory sandbox, Action<SmartRecruitersOptions>? configure = null, TimeProvider? time = null) =>
        Build(sandbox.Server.BaseAddress, builder => builder.ConfigurePrimaryHttpMessageHandler(() => sandbox.Server.CreateHandler()), configure, time);

    /// <summary>The client sending through a handler of the test's own, put in front of the in-process sandbox.</summary>
    public static ClientHarness For(SandboxFactory sandbox, Func<HttpMessageHandler, DelegatingHandler> inFront) =>
        Build(sandbox.Server.BaseAddress, builder => builder.ConfigurePrimaryHttpMessageHandler(() => inFront(sandbox.Server.CreateHandler())), null, null);

    public static ClientHarness For(SandboxProcess sandbox, Action<SmartRecruitersOptions>? configure = null) =>
        Build(sandbox.BaseAddress, _ => { }, configure, null);


    private static ClientHarness Build(Uri baseUrl, Action<IHttpClientBuilder> http, Action<SmartRecruitersOptions>? configure, TimeProvider? time)
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        http(services.AddSmartRecruitersClient());
        services.Configure<SmartRecruitersOptions>(options =>
        {
            // Tests wait for backoffs on the real clock: keep them short.
            options.BackoffBase = TimeSpan.FromMilliseconds(20);
            options.BackoffCap = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(options);
        });
        return new ClientHarness(services.BuildServiceProvider(), baseUrl);
    }

    public SrCredential Credential(Tenant tenant, string? secret = null) =>
        new($"conn-{tenant.Company}", BaseUrl, tenant.ClientId, new InMemorySecret(secret ?? tenant.ClientSecret));

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
