using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Persistence;

namespace Passerelle.Core.Secrets;

/// <summary>Thrown when a stored secret cannot be decrypted: a misconfiguration an operator must fix, not a caller error.</summary>
public sealed class SecretUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Encrypts client secrets at rest with ASP.NET Core Data Protection. The keys live outside the database (the key
/// ring in the data directory by default), so a database dump alone reveals no secret.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider, string keyRingDescription)
{
    // Versioned purpose: a future change of scheme can decrypt old secrets under the old purpose.
    private readonly IDataProtector _protector = provider.CreateProtector("Passerelle.Connections.ClientSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret, string connectionId)
    {
        try
        {
            return _protector.Unprotect(protectedSecret);
        }
        catch (CryptographicException e)
        {
            throw new SecretUnavailableException(
                $"The client secret of connection {connectionId} cannot be decrypted: the Data Protection key ring ({keyRingDescription}) " +
                "is missing or is not the one that encrypted it. Restore the key ring from its backup, or rotate the secret of this connection.", e);
        }
    }
}

public static class SecretProtectionExtensions
{
    /// <summary>
    /// Registers <see cref="SecretProtector"/> with Data Protection keys persisted in <c>{DataDirectory}/keys</c>
    /// (or <c>Passerelle:KeyRingDirectory</c>). Back that directory up: without it no stored secret can be read.
    /// With <c>Passerelle:KeyRingCertificatePath</c> (a PKCS#12 file) and <c>Passerelle:KeyRingCertificatePassword</c>,
    /// the keys are themselves encrypted with that certificate, so a copy of the directory alone reveals nothing.
    /// </summary>
    public static IServiceCollection AddPasserelleSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        var section = PasserelleOptions.SectionName;
        var keyRing = configuration[$"{section}:KeyRingDirectory"]
                      ?? Path.Combine(configuration[$"{section}:DataDirectory"] ?? new PasserelleOptions().DataDirectory, "keys");
        var directory = new DirectoryInfo(Path.GetFullPath(keyRing));
        services.AddSingleton(new KeyRingLocation(directory));
        var dataProtection = services.AddDataProtection().SetApplicationName("Passerelle").PersistKeysToFileSystem(directory);
        if (configuration[$"{section}:KeyRingCertificatePath"] is { Length: > 0 } certificatePath)
        {
            if (!File.Exists(certificatePath))
            {
                throw new InvalidOperationException($"{section}:KeyRingCertificatePath points to '{certificatePath}', which does not exist: give the path of the PKCS#12 (.pfx) file that protects the key ring.");
            }

            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                certificatePath, configuration[$"{section}:KeyRingCertificatePassword"]);
            dataProtection.ProtectKeysWithCertificate(certificate);
        }

        services.AddSingleton(sp => new SecretProtector(sp.GetRequiredService<IDataProtectionProvider>(), $"key ring at {directory.FullName}"));
        return services;
    }
}

/// <summary>Where the key ring lives (<c>Passerelle:KeyRingDirectory</c> or <c>{DataDirectory}/keys</c>).</summary>
public sealed record KeyRingLocation(DirectoryInfo Directory)
{
    /// <summary>
    /// Creates the directory readable by this account only (0700), before Data Protection would create it with the
    /// default mode: its keys decrypt every stored secret and file. The server calls it at start; registering the
    /// services does not, so that <c>passerelle doctor</c> creates nothing.
    /// </summary>
    public void EnsureOwnerOnly()
    {
        Directory.Refresh();
        if (!Directory.Exists && !OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
