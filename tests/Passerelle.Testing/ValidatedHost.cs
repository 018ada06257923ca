using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Passerelle.Testing;

/// <summary>
/// For <c>WebApplicationFactory.CreateHost</c> overrides: checks the settings before starting, as the host's own start
/// does first. A host whose start fails is kept by the factory, which then stops every hosted service on dispose, and
/// Orleans' silo throws when stopped before it started, hiding the test's own outcome.
/// </summary>
public static class ValidatedHost
{
    public static IHost Start(IHostBuilder builder)
    {
        var host = builder.Build();
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        host.Start();
        return host;
    }
}
