using System.Net;
using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed class ScopeTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private const string NoSuchJob = "00000000-0000-0000-0000-000000000000";

    [Fact]
    public async Task Without_jobs_read_a_listing_gets_403_OAuthPermissionsException_even_when_its_query_is_invalid()
    {
        var tenant = await sandbox.NewTenantAsync("candidates_create");
        var api = await tenant.ApiAsync();

        var body = await (await api.GetAsync("/jobs?limit=5000&pageId=garbage")).ShouldBeSrErrorAsync(HttpStatusCode.Forbidden);

        body.Str("message").ShouldContain("OAuthPermissionsException");
        body["errors"]![0].Str("code").ShouldBe("OAuthPermissionsException");
    }

    [Fact]
    public async Task Without_candidates_create_a_create_gets_403_before_the_body_is_read()
    {
        var tenant = await sandbox.NewTenantAsync("jobs_read");
        var api = await tenant.ApiAsync();

        var body = await (await api.PostAsync($"/jobs/{NoSuchJob}/candidates", Tenant.Json("{not json"))).ShouldBeSrErrorAsync(HttpStatusCode.Forbidden);

        body.Str("message").ShouldContain("candidates_create");
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_candidates_create_probe_reveals_the_scope_without_creating_anything()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        var response = await api.PostAsync($"/jobs/{NoSuchJob}/candidates", Tenant.Json("{}"));

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.UnprocessableEntity);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Reading_candidates_needs_candidates_read_which_the_minimal_credential_lacks()
    {
        var minimal = await sandbox.NewTenantAsync();
        var overPrivileged = await sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read");

        await (await (await minimal.ApiAsync()).GetAsync("/candidates?limit=1")).ShouldBeSrErrorAsync(HttpStatusCode.Forbidden);
        (await (await overPrivileged.ApiAsync()).GetAsync("/candidates?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_scope_change_applies_to_tokens_already_issued()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await tenant.Http().PutAsJsonAsync($"/_sandbox/credentials/{tenant.ClientId}/scopes", new { scopes = new[] { "candidates_create" } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await api.GetAsync("/jobs")).ShouldBeSrErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_company_without_the_api_feature_gets_no_access_to_feature()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/companies/{tenant.Company}", new { apiAccess = false })).EnsureSuccessStatusCode();

        var body = await (await api.GetAsync("/jobs")).ShouldBeJsonAsync(HttpStatusCode.Forbidden);
        body.Str("message").ShouldBe("No access to feature: Customer API");
    }
}
