namespace Passerelle.Cli.Tests;

/// <summary>One server for every test that talks to one: starting it is the slow part.</summary>
[CollectionDefinition(Name)]
public sealed class SharedServer : ICollectionFixture<CliServer>
{
    public const string Name = "cli server";
}

internal static class Onboarding
{
    /// <summary>A unique display name: tests share the server.</summary>
    public static string Name(string prefix) => $"{prefix} {Guid.NewGuid().ToString("N")[..6]}";

    /// <summary><c>passerelle connections add</c> for <paramref name="tenant"/>, the secret on stdin, as an account manager does it.</summary>
    public static Task<CliRun> AddAsync(CliServer server, Testing.Tenant tenant, string name, params string[] extra) =>
        new CliRunner(server).RunAsync(
            ["connections", "add", "--name", name, "--customer", "Maison Azur SAS", "--company", tenant.Company, "--client-id", tenant.ClientId,
                "--base-url", server.SandboxUrl.AbsoluteUri, "--client-secret-stdin", .. extra],
            stdin: tenant.ClientSecret + "\n");

    /// <summary>A connection with one open job, synced: its id (from --json) and the job's SR id.</summary>
    public static async Task<(string ConnectionId, string Name, string JobId, Testing.Tenant Tenant)> SyncedAsync(CliServer server, string jobTitle)
    {
        var (tenant, job) = await server.TenantAsync(jobTitle);
        var name = Name("Synced");
        var added = (await AddAsync(server, tenant, name, "--json")).ShouldSucceed();
        var id = added.Json["id"]!.GetValue<string>();
        (await server.RunAsync("jobs", "sync", name, "--full", "--wait")).ShouldSucceed();
        return (id, name, job, tenant);
    }
}
