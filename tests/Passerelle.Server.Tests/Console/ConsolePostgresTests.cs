using System.Net;
using Npgsql;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

/// <summary>The console on PostgreSQL: users, sessions and the pages whose queries differ most between providers.</summary>
public sealed class ConsolePostgresTests
{
    [SkippableFact]
    public async Task Every_console_page_works_on_PostgreSQL()
    {
        var postgres = Environment.GetEnvironmentVariable("PASSERELLE_TEST_POSTGRES");
        Skip.If(string.IsNullOrEmpty(postgres), "PASSERELLE_TEST_POSTGRES is not set: run ./test.sh for the PostgreSQL case.");
        var database = "passerelle_console_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using var server = new ConsoleServer();
        server.Settings["Database:Provider"] = "Postgres";
        server.Settings["ConnectionStrings:Passerelle"] = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
        var accepted = await (await server.Admin().PostAsync($"/api/v1/connections/{connectionId}/jobs/{jobs[0]}/applications",
            Applications.Form(Applications.Applicant("pg.console@example.fr"), Applications.Pdf(77)))).ShouldBeJsonAsync(HttpStatusCode.Accepted);

        var admin = await server.SignedInAsync(ConsoleRole.Admin);
        foreach (var url in new[]
        {
            "/connections", "/connections?q=co&status=active", $"/connections/{connectionId}", $"/connections/{connectionId}/jobs?q=Pr%C3%A9parateur&open=true",
            $"/connections/{connectionId}/applications?from=2026-01-01&to=2030-01-01", $"/applications/{accepted.Str("id")}",
            $"/connections/{connectionId}/syncs", $"/connections/{connectionId}/audit", $"/connections/{connectionId}/settings",
            "/activity", "/activity?window=7d", $"/activity?connection={connectionId}&window=7d",
            "/admin/users", "/admin/api-keys", "/admin/webhooks", $"/careers/{tenant.Company}", $"/careers/{tenant.Company.ToUpperInvariant()}?q=preparateur",
        })
        {
            (await admin.GetAsync(url)).Status.ShouldBe(HttpStatusCode.OK, url);
        }
    }
}
