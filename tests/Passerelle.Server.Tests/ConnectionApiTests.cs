using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Passerelle.Core.ApiClients;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

public sealed class ConnectionApiTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private async Task<(HttpResponseMessage Response, Tenant Tenant)> OnboardAsync(params string[] scopes)
    {
        var tenant = await server.Sandbox.NewTenantAsync(scopes);
        await tenant.AddJobIdAsync();
        var response = await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = $"Customer {Guid.NewGuid():N}",
            customerName = "Maison Azur",
            companyIdentifier = tenant.Company,
            clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret,
            baseUrl = server.SandboxUrl.AbsoluteUri,
            tags = new[] { "hippolyte-rh" },
        });
        return (response, tenant);
    }

    [Fact]
    public async Task Onboarding_the_exact_credential_answers_201_active_and_never_returns_the_secret()
    {
        var (response, tenant) = await OnboardAsync();

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        var body = JsonNode.Parse(text)!;
        body.Str("status").ShouldBe("Active");
        body["verdict"]!["problems"]!.AsArray().ShouldBeEmpty();
        body["hasSecret"]!.GetValue<bool>().ShouldBeTrue();
        text.ShouldNotContain(tenant.ClientSecret);
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/connections/{body.Str("id")}");
        body["lastProbe"]!["requiredScopes"]!["jobs_read"]!.GetValue<string>().ShouldBe("Held");
        body["lastProbe"]!.Str("company").ShouldBe("Consistent");

        var fetched = await (await server.Admin().GetAsync(response.Headers.Location)).Content.ReadAsStringAsync();
        fetched.ShouldNotContain(tenant.ClientSecret);
        var audit = await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections/{body.Str("id")}/audit"));
        audit.AsArray().Select(a => a.Str("action")).ShouldBe(["created"]);
        audit.AsArray().Single().Str("actor").ShouldBe("api:bootstrap-admin");
    }

    [Theory]
    [InlineData("exact", "Active", null, null)]
    [InlineData("extra", "Active", null, "extra_scope:candidates_read")]
    [InlineData("no-jobs-read", "NeedsAttention", "ScopeMissing", null)]
    [InlineData("no-candidates-create", "NeedsAttention", "ScopeMissing", null)]
    [InlineData("revoked", "NeedsAttention", "CredentialsInvalid", null)]
    [InlineData("no-api", "NeedsAttention", "ApiAccessDisabled", null)]
    [InlineData("other-company", "NeedsAttention", "CompanyMismatch", null)]
    public async Task Every_probe_verdict_reaches_the_api_with_its_reason_and_remedy(string setup, string status, string? reason, string? warning)
    {
        var scopes = setup switch
        {
            "extra" => new[] { "jobs_read", "candidates_create", "candidates_read" },
            "no-jobs-read" => ["candidates_create"],
            "no-candidates-create" => ["jobs_read"],
            _ => ["jobs_read", "candidates_create"],
        };
        var tenant = await server.Sandbox.NewTenantAsync(scopes);
        await tenant.AddJobIdAsync();
        var identifier = tenant.Company;
        switch (setup)
        {
            case "revoked":
                (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null)).EnsureSuccessStatusCode();
                break;
            case "no-api":
                (await tenant.Http().PatchAsJsonAsync($"/_sandbox/companies/{tenant.Company}", new { apiAccess = false })).EnsureSuccessStatusCode();
                break;
            case "other-company":
                identifier = "MaisonAzur";
                break;
        }

        var body = await (await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = $"Verdict {setup} {Guid.NewGuid():N}", customerName = "C", companyIdentifier = identifier, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);

        body.Str("status").ShouldBe(status);
        body["attentionReason"]?.GetValue<string>().ShouldBe(reason);
        body["lastProbe"]!["extraScopes"]!.AsArray().Count.ShouldBe(setup == "extra" ? 1 : 0);
        var problems = body["verdict"]!["problems"]!.AsArray();
        (problems.Count > 0).ShouldBe(reason is not null);
        problems.ShouldAllBe(p => p!["remedy"]!.GetValue<string>().Length > 20);
        var warnings = body["verdict"]!["warnings"]!.AsArray().Select(w => w.Str("code")).ToList();
        if (warning is null)
        {
            warnings.ShouldBeEmpty();
        }
        else
        {
            warnings.ShouldBe([warning]);
        }

        var filtered = await SandboxFactory.ReadAsync(await server.Admin().GetAsync($"/api/v1/connections?status={status}"));
        filtered.AsArray().ShouldContain(c => c!["id"]!.GetValue<string>() == body.Str("id"));
        filtered.AsArray().ShouldAllBe(c => c!["status"]!.GetValue<string>() == status);
    }

    [Fact]
    public async Task A_missing_scope_is_created_needing_attention_with_its_remedy()
    {
        var (response, _) = await OnboardAsync("candidates_create");

        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        body.Str("status").ShouldBe("NeedsAttention");
        body.Str("attentionReason").ShouldBe("ScopeMissing");
        body["verdict"]!["problems"]![0].Str("remedy").ShouldContain("tick 'Access Jobs'");
    }

    [Fact]
    public async Task Rotation_test_disconnect_and_audit_work_through_the_api()
    {
        var (response, tenant) = await OnboardAsync();
        var id = (await response.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var admin = server.Admin();

        var refused = await (await admin.PutAsJsonAsync($"/api/v1/connections/{id}/secret", new { clientSecret = "wrong" })).ShouldBeJsonAsync(HttpStatusCode.OK);
        var fresh = await SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        var tested = await (await admin.PostAsync($"/api/v1/connections/{id}/test", null)).ShouldBeJsonAsync(HttpStatusCode.OK);
        var applied = await (await admin.PutAsJsonAsync($"/api/v1/connections/{id}/secret", new { clientSecret = fresh.Str("clientSecret") })).ShouldBeJsonAsync(HttpStatusCode.OK);
        var disconnected = await (await admin.PostAsJsonAsync($"/api/v1/connections/{id}/disconnect", new { reason = "Contract ended" })).ShouldBeJsonAsync(HttpStatusCode.OK);

        refused["applied"]!.GetValue<bool>().ShouldBeFalse();
        tested.Str("attentionReason").ShouldBe("CredentialsInvalid");
        applied["applied"]!.GetValue<bool>().ShouldBeTrue();
        applied["connection"].Str("status").ShouldBe("Active");
        disconnected.Str("status").ShouldBe("Disconnected");
        disconnected["hasSecret"]!.GetValue<bool>().ShouldBeFalse();
        var audit = await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{id}/audit"));
        audit.AsArray().Select(a => a.Str("action")).ShouldBe(["created", "secret_rotation_refused", "tested", "secret_rotated", "disconnected"]);
        audit.ToJsonString().ShouldNotContain(fresh.Str("clientSecret"));
    }

    [Theory]
    [InlineData("{\"displayName\":", "request.malformed")]
    [InlineData("{\"displayName\":\"A\",\"customerName\":\"B\",\"companyIdentifier\":\"C\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"https://x.test\",\"surprise\":1}", "request.malformed")]
    [InlineData("{\"displayName\":\"A\",\"customerName\":\"B\",\"companyIdentifier\":\"C\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"ftp://x.test\"}", "validation_failed")]
    [InlineData("{\"displayName\":\"A\",\"customerName\":\"B\",\"companyIdentifier\":\"has space\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"https://x.test\"}", "validation_failed")]
    [InlineData("{}", "validation_failed")]
    [InlineData("{\"displayName\":\"A\",\"customerName\":\"B\",\"companyIdentifier\":\"C\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"http://api.example.com\"}", "validation_failed")]
    [InlineData("{\"displayName\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"customerName\":\"B\",\"companyIdentifier\":\"C\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"https://x.test\"}", "validation_failed")]
    [InlineData("{\"displayName\":\"A\",\"customerName\":\"B\",\"companyIdentifier\":\"C\",\"clientId\":\"D\",\"clientSecret\":\"E\",\"baseUrl\":\"not a url\"}", "validation_failed")]
    public async Task Bad_input_gets_a_problem_with_a_stable_code_and_nothing_is_written(string body, string code)
    {
        var admin = server.Admin();
        var before = (await SandboxFactory.ReadAsync(await admin.GetAsync("/api/v1/connections"))).AsArray().Count;

        var problem = await (await admin.PostAsync("/api/v1/connections", new StringContent(body, Encoding.UTF8, "application/json"))).ShouldBeJsonAsync(HttpStatusCode.BadRequest);

        problem.Str("code").ShouldBe(code);
        problem.Str("detail").ShouldNotBeNullOrWhiteSpace();
        (await SandboxFactory.ReadAsync(await admin.GetAsync("/api/v1/connections"))).AsArray().Count.ShouldBe(before);
    }

    [Fact]
    public async Task A_duplicate_display_name_is_a_409()
    {
        var (response, tenant) = await OnboardAsync();
        var name = (await response.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("displayName");

        var again = await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = name, customerName = "X", companyIdentifier = tenant.Company, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        });

        (await again.ShouldBeJsonAsync(HttpStatusCode.Conflict)).Str("code").ShouldBe("connection.display_name_taken");
    }

    [Fact]
    public async Task Without_a_key_it_is_401_with_a_platform_key_403_and_a_restricted_key_sees_only_its_connections()
    {
        var (first, _) = await OnboardAsync();
        var (second, _) = await OnboardAsync();
        var a = (await first.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var b = (await second.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        (await (await server.CreateClient().GetAsync("/api/v1/connections")).ShouldBeJsonAsync(HttpStatusCode.Unauthorized)).Str("code").ShouldBe("auth.api_key_required");
        var platform = await server.KeyAsync(ApiRole.Platform);
        (await (await platform.GetAsync("/api/v1/connections")).ShouldBeJsonAsync(HttpStatusCode.Forbidden)).Str("code").ShouldBe("auth.role_required");

        var restricted = await server.KeyAsync(ApiRole.Admin, Guid.Parse(a));
        (await restricted.GetAsync($"/api/v1/connections/{a}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => restricted.GetAsync($"/api/v1/connections/{b}"),
                     () => restricted.PatchAsJsonAsync($"/api/v1/connections/{b}", new { customerName = "x" }),
                     () => restricted.PostAsync($"/api/v1/connections/{b}/test", null),
                     () => restricted.PutAsJsonAsync($"/api/v1/connections/{b}/secret", new { clientSecret = "x" }),
                     () => restricted.PostAsJsonAsync($"/api/v1/connections/{b}/disconnect", new { reason = "x" }),
                     () => restricted.GetAsync($"/api/v1/connections/{b}/audit"),
                 })
        {
            (await (await request()).ShouldBeJsonAsync(HttpStatusCode.NotFound)).Str("code").ShouldBe("not_found");
        }

        (await SandboxFactory.ReadAsync(await restricted.GetAsync("/api/v1/connections"))).AsArray().Select(c => c.Str("id")).ShouldBe([a]);

        // A key limited to some connections can neither mint an unlimited key nor create connections.
        (await restricted.PostAsJsonAsync("/api/v1/api-keys", new { name = "escape", role = "admin" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await restricted.GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await restricted.PostAsJsonAsync("/api/v1/connections", new { displayName = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Health_and_the_openapi_document_are_served()
    {
        (await server.CreateClient().GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.CreateClient().GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.CreateClient().GetStringAsync("/openapi/v1.json")).ShouldContain("/api/v1/connections/{id}/secret");
        (await server.CreateClient().GetAsync("/scalar/v1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Its own server: the failure counter is per address, and the test host has one address.</summary>
public sealed class FailedAuthenticationTests
{
    [Fact]
    public async Task Repeated_bad_keys_from_one_address_are_throttled_with_retry_after()
    {
        await using var server = new ServerFactory();
        var http = server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "psl_guessing-" + Guid.NewGuid());

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add((await http.GetAsync("/api/v1/connections")).StatusCode);
        }

        statuses.Take(10).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        var throttled = await http.GetAsync("/api/v1/connections");
        (await throttled.ShouldBeJsonAsync(HttpStatusCode.TooManyRequests)).Str("code").ShouldBe("auth.too_many_failures");
        throttled.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        (await server.Admin().GetAsync("/api/v1/connections")).StatusCode.ShouldBe(HttpStatusCode.OK, "a valid key from the same address still gets through");
    }
}
