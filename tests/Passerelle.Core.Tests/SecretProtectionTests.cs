using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Passerelle.Core.Persistence;
using Passerelle.Core.Secrets;

namespace Passerelle.Core.Tests;

public sealed class SecretProtectionTests : IDisposable
{
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("passerelle-secrets-");

    public static TheoryData<DatabaseProvider> Providers => PersistenceTests.Providers;

    private static SecretProtector Protector(string dataDirectory, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? []) { ["Passerelle:DataDirectory"] = dataDirectory };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddPasserelleSecrets(configuration).BuildServiceProvider().GetRequiredService<SecretProtector>();
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_database_dump_shows_the_client_id_but_never_the_secret(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var secret = "sr-secret-" + Guid.NewGuid().ToString("N");
        var connection = PersistenceTests.NewConnection("Dump check");
        connection.ProtectedSecret = Protector(_dataDirectory.FullName).Protect(secret);
        await using (var db = database.NewContext())
        {
            db.Connections.Add(connection);
            await db.SaveChangesAsync();
        }

        var dump = await DumpAsync(database);

        dump.ShouldContain(connection.ClientId, customMessage: "the dump must really hold the connection row");
        dump.ShouldNotContain(secret);
        Protector(_dataDirectory.FullName).Unprotect(connection.ProtectedSecret, connection.Id.ToString()).ShouldBe(secret, "the same key ring after a restart reads it back");
    }

    [Fact]
    public void Without_its_key_ring_a_secret_cannot_be_read_and_the_error_says_why_and_what_to_do()
    {
        var stored = Protector(_dataDirectory.FullName).Protect("sr-secret-value");
        var otherDirectory = Directory.CreateTempSubdirectory("passerelle-other-keys-");
        try
        {
            var error = Should.Throw<SecretUnavailableException>(() => Protector(otherDirectory.FullName).Unprotect(stored, "conn-42"));

            error.Message.ShouldContain("conn-42");
            error.Message.ShouldContain("key ring");
            error.Message.ShouldContain("Restore the key ring from its backup");
            error.Message.ShouldNotContain("sr-secret-value");
        }
        finally
        {
            otherDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_key_ring_lives_outside_the_database_in_the_data_directory()
    {
        Protector(_dataDirectory.FullName).Protect("anything");

        Directory.GetFiles(Path.Combine(_dataDirectory.FullName, "keys"), "key-*.xml").ShouldNotBeEmpty();
    }

    [Fact]
    public void A_certificate_protects_the_key_ring_itself()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=passerelle-key-ring", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddYears(1));
        var pfx = Path.Combine(_dataDirectory.FullName, "key-ring.pfx");
        File.WriteAllBytes(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-password"));
        var settings = new Dictionary<string, string?> { ["Passerelle:KeyRingCertificatePath"] = pfx, ["Passerelle:KeyRingCertificatePassword"] = "pfx-password" };

        var stored = Protector(_dataDirectory.FullName, settings).Protect("sr-secret-value");

        Protector(_dataDirectory.FullName, settings).Unprotect(stored, "conn-1").ShouldBe("sr-secret-value");
        var keyFile = File.ReadAllText(Directory.GetFiles(Path.Combine(_dataDirectory.FullName, "keys"), "key-*.xml").Single());
        keyFile.ShouldContain("encryptedSecret");
        Should.Throw<InvalidOperationException>(() => Protector(_dataDirectory.FullName, new() { ["Passerelle:KeyRingCertificatePath"] = "/no/such.pfx" }))
            .Message.ShouldContain("KeyRingCertificatePath");
    }

    private static async Task<string> DumpAsync(TestDatabase database)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var text = new StringBuilder();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(database.Location)!, "passerelle.db*"))
            {
                text.Append(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
            }

            return text.ToString();
        }

        await using var connection = new NpgsqlConnection(database.Location);
        await connection.OpenAsync();
        var rows = new StringBuilder();
        foreach (var table in new[] { "Connections", "ConnectionAudit" })
        {
            await using var command = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM \"{table}\" t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.AppendLine(reader.GetString(0));
            }
        }

        return rows.ToString();
    }

    public void Dispose() => _dataDirectory.Delete(recursive: true);
}
