using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Server.Connections;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

public sealed class ApiKeyAndUpkeepTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private async Task<string> OnboardAsync(Tenant tenant, string? name = null)
    {
        var response = await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = name ?? $"Customer {Guid.NewGuid():N}", customerName = "Maison Azur", companyIdentifier = tenant.Company,
            clientId = tenant.ClientId, clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        });
        return (await response.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
    }

    [Fact]
    public async Task A_key_is_shown_once_works_at_once_and_stops_working_when_revoked()
    {
        var admin = server.Admin();

        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = $"platform {Guid.NewGuid():N}", role = "platform" })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var key = created.Str("key");
        var id = created["apiKey"].Str("id");
        var listed = (await SandboxFactory.ReadAsync(await admin.GetAsync("/api/v1/api-keys"))).ToJsonString();

        key.ShouldStartWith("psl_");
        listed.ShouldContain(id);
        listed.ShouldNotContain(key);
        var platform = server.CreateClient();
        platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        (await platform.GetAsync("/api/v1/connections")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "authenticated, but not an admin");

        (await admin.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await platform.GetAsync("/api/v1/connections")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_last_active_admin_key_cannot_be_revoked()
    {
        await using var own = new ServerFactory();
        var admin = own.Admin();
        var keys = await SandboxFactory.ReadAsync(await admin.GetAsync("/api/v1/api-keys"));
        var bootstrap = keys.AsArray().Single()!.Str("id");

        var refused = await admin.DeleteAsync($"/api/v1/api-keys/{bootstrap}");

        (await refused.ShouldBeJsonAsync(HttpStatusCode.Conflict)).Str("code").ShouldBe("api_key.last_admin");
        (await admin.GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"role\":\"0\"}")]
    [InlineData("{\"name\":\"\",\"role\":\"admin\"}")]
    [InlineData("{\"name\":\"x\",\"role\":\"superuser\"}")]
    [InlineData("{\"name\":\"x\",\"role\":\"admin\",\"connections\":[\"00000000-0000-0000-0000-000000000001\"]}")]
    [InlineData("{\"name\":\"x\",\"role\":\"admin\",\"extra\":true}")]
    public async Task Bad_key_requests_are_refused_with_a_problem(string body)
    {
        var response = await server.Admin().PostAsync("/api/v1/api-keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        (await response.ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Settings_change_through_patch_and_are_audited_by_field()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();
        var id = await OnboardAsync(tenant);
        var admin = server.Admin();

        var patched = await (await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { customerName = "Maison Azur SAS", tags = new[] { "vip" }, sourceId = "hippolyte" }))
            .ShouldBeJsonAsync(HttpStatusCode.OK);
        var unknownField = await admin.PatchAsJsonAsync($"/api/v1/connections/{id}", new { clientSecret = "sneaky" });

        patched.Str("customerName").ShouldBe("Maison Azur SAS");
        patched["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["vip"]);
        patched.Str("sourceId").ShouldBe("hippolyte");
        (await unknownField.ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldBe("request.malformed");
        var audit = await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{id}/audit"));
        audit.AsArray().Last()!.Str("detail").ShouldBe("customerName, sourceId, tags");
    }

    [Fact]
    public async Task The_daily_probe_notices_a_revoked_credential()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();
        var id = await OnboardAsync(tenant);
        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}")).EnsureSuccessStatusCode();

        var worker = server.Services.GetRequiredService<DailyProbeWorker>();
        var notDue = await worker.RunOnceAsync(CancellationToken.None);
        var probed = await worker.RunOnceAsync(CancellationToken.None, onlyDue: false);

        notDue.ShouldBe(0, "a connection probed at onboarding is not due for a day");
        probed.ShouldBeGreaterThanOrEqualTo(1);
        var connection = await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections/{id}"));
        connection.Str("attentionReason").ShouldBe("CredentialsInvalid");
        var audit = await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections/{id}/audit"));
        audit.AsArray().Last()!.Str("actor").ShouldBe(DailyProbeWorker.Actor);
    }
}
