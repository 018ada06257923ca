using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed class TokenTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    [Fact]
    public async Task Token_endpoint_issues_an_opaque_30_minute_bearer_token_for_form_credentials()
    {
        var tenant = await sandbox.NewTenantAsync();

        var response = await tenant.RequestTokenAsync();

        var body = await response.ShouldBeJsonAsync(HttpStatusCode.OK);
        body.Str("access_token").Length.ShouldBeGreaterThan(20);
        body.Str("token_type").ShouldBe("bearer");
        body["expires_in"]!.GetValue<int>().ShouldBe(1800);
        body.Str("scope").Split(' ').ShouldBe(["candidates_create", "jobs_read"], ignoreOrder: true);
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
    }

    [Fact]
    public async Task Token_endpoint_accepts_http_basic_client_authentication()
    {
        var tenant = await sandbox.NewTenantAsync();
        var http = sandbox.Http();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(tenant.ClientId)}:{Uri.EscapeDataString(tenant.ClientSecret)}")));

        var response = await http.PostAsync("/identity/oauth/token",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }));

        (await response.ShouldBeJsonAsync(HttpStatusCode.OK)).Str("access_token").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_wrong_secret_gets_401_invalid_client()
    {
        var tenant = await sandbox.NewTenantAsync();

        var body = await (await tenant.RequestTokenAsync("not-the-secret")).ShouldBeJsonAsync(HttpStatusCode.Unauthorized);

        body.Str("error").ShouldBe("invalid_client");
    }

    [Fact]
    public async Task An_unknown_client_gets_401_invalid_client()
    {
        var response = await sandbox.Http().PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "nobody", ["client_secret"] = "x",
        }));

        (await response.ShouldBeJsonAsync(HttpStatusCode.Unauthorized)).Str("error").ShouldBe("invalid_client");
    }

    [Fact]
    public async Task Another_grant_type_gets_400_unsupported_grant_type()
    {
        var tenant = await sandbox.NewTenantAsync();

        var response = await sandbox.Http().PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = tenant.ClientId, ["client_secret"] = tenant.ClientSecret,
        }));

        (await response.ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("error").ShouldBe("unsupported_grant_type");
    }

    [Fact]
    public async Task A_token_request_that_is_not_a_form_gets_400_invalid_request()
    {
        var response = await sandbox.Http().PostAsync("/identity/oauth/token", Tenant.Json("{\"grant_type\":\"client_credentials\"}"));

        (await response.ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("error").ShouldBe("invalid_request");
    }

    [Fact]
    public async Task A_token_opens_the_api_and_an_unknown_token_gets_401()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var stranger = sandbox.Http();
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "made-up-token");
        await (await stranger.GetAsync("/jobs")).ShouldBeSrErrorAsync(HttpStatusCode.Unauthorized);
        await (await sandbox.Http().GetAsync("/jobs")).ShouldBeSrErrorAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revoking_tokens_invalidates_them_but_the_credential_still_gets_new_ones()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await (await tenant.ApiAsync()).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_deleted_credential_loses_its_tokens_and_gets_invalid_client()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await (await tenant.RequestTokenAsync()).ShouldBeJsonAsync(HttpStatusCode.Unauthorized)).Str("error").ShouldBe("invalid_client");
    }

    [Fact]
    public async Task A_regenerated_secret_replaces_the_old_one()
    {
        var tenant = await sandbox.NewTenantAsync();

        var fresh = await (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null)).ShouldBeJsonAsync(HttpStatusCode.OK);

        (await tenant.RequestTokenAsync()).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await tenant.RequestTokenAsync(fresh.Str("clientSecret"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_credential_with_a_token_prefix_gets_unique_working_tokens_that_start_with_it()
    {
        var tenant = await sandbox.NewTenantAsync();
        var http = tenant.Http();
        var created = await (await http.PostAsJsonAsync("/_sandbox/credentials", new
        {
            company = tenant.Company, scopes = new[] { "jobs_read" }, systemRole = "Employee", tokenPrefix = "canary-token.42_",
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var prefixed = tenant with { ClientId = created.Str("clientId"), ClientSecret = created.Str("clientSecret") };
        created.Str("tokenPrefix").ShouldBe("canary-token.42_");

        var (first, second) = (await prefixed.TokenAsync(), await prefixed.TokenAsync());

        first.ShouldStartWith("canary-token.42_");
        second.ShouldStartWith("canary-token.42_");
        first.ShouldNotBe(second);
        first.Length.ShouldBeGreaterThan("canary-token.42_".Length + 20);
        (await (await prefixed.ApiAsync()).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.TokenAsync()).ShouldNotStartWith("canary-token.42_");
        (await http.PostAsJsonAsync("/_sandbox/credentials", new { company = tenant.Company, scopes = new[] { "jobs_read" }, systemRole = "Employee", tokenPrefix = "has space" }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_api_key_reaches_every_scope_including_candidates_read()
    {
        var tenant = await sandbox.NewTenantAsync();
        var http = tenant.Http();
        http.DefaultRequestHeaders.Add("X-SmartToken", tenant.ApiKey);

        (await http.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync("/candidates?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Settings change the whole sandbox, so these tests get a sandbox of their own.</summary>
public sealed class TokenSettingsTests(TokenSettingsTests.Sandbox sandbox) : IClassFixture<TokenSettingsTests.Sandbox>
{
    public sealed class Sandbox : SandboxFactory;

    [Fact]
    public async Task The_scope_field_can_be_left_out_and_the_200_empty_quirk_turned_on()
    {
        var tenant = await sandbox.NewTenantAsync();
        var http = sandbox.Http();
        (await http.PutAsJsonAsync("/_sandbox/settings", new { tokenScopeField = false, emptyTokenResponseQuirk = true })).EnsureSuccessStatusCode();
        try
        {
            var token = await (await tenant.RequestTokenAsync()).ShouldBeJsonAsync(HttpStatusCode.OK);
            token["scope"].ShouldBeNull();
            token.Str("access_token").ShouldNotBeEmpty();

            var quirk = await http.PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" }));
            (await quirk.ShouldBeJsonAsync(HttpStatusCode.OK)).ToJsonString().ShouldBe("{}");
        }
        finally
        {
            (await http.PostAsync("/_sandbox/reset", null)).EnsureSuccessStatusCode();
        }
    }
}

public sealed class TokenLifetimeTests(FakeClockSandboxFactory sandbox) : IClassFixture<FakeClockSandboxFactory>
{
    [Fact]
    public async Task A_token_works_for_30_minutes_and_then_gets_401()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        sandbox.Clock.Advance(TimeSpan.FromMinutes(29) + TimeSpan.FromSeconds(59));
        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        sandbox.Clock.Advance(TimeSpan.FromSeconds(2));
        await (await api.GetAsync("/jobs")).ShouldBeSrErrorAsync(HttpStatusCode.Unauthorized);
    }
}
