using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Applications.Files;

public static class FileStoreServiceCollectionExtensions
{
    /// <summary>The setting that places applicants' files; default <c>{Passerelle:DataDirectory}/files</c>.</summary>
    public const string FileDirectoryKey = "Applications:FileDirectory";

    /// <summary>
    /// Registers <see cref="EncryptedFileStore"/> as a singleton rooted at <c>Applications:FileDirectory</c>, or
    /// <c>{Passerelle:DataDirectory}/files</c> (data directory default <c>./data</c>). File keys are wrapped with the
    /// Data Protection key ring that <see cref="Secrets.SecretProtectionExtensions.AddPasserelleSecrets"/> configures:
    /// call that too, or resolving the store fails with a message saying so.
    /// </summary>
    public static IServiceCollection AddPasserelleFileStore(this IServiceCollection services, IConfiguration configuration)
    {
        var root = configuration[FileDirectoryKey] is { Length: > 0 } configured
            ? configured
            : Path.Combine(configuration[$"{PasserelleOptions.SectionName}:DataDirectory"] ?? new PasserelleOptions().DataDirectory, "files");
        var directory = Path.GetFullPath(root);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new EncryptedFileStore(
            directory,
            // Data Protection registered without Passerelle's key ring would keep keys in a default place nobody backs up.
            sp.GetService<IDataProtectionProvider>()
                ?? throw new InvalidOperationException("The file store wraps its keys with Data Protection: call AddPasserelleSecrets before resolving EncryptedFileStore."),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
