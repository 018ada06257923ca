using System.Net;
using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed class FaultTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private static async Task<(Tenant Tenant, HttpClient Api, string JobId)> ArrangeAsync(SandboxFactory sandbox, object faults)
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();
        await tenant.SetFaultsAsync(faults);
        return (tenant, api, jobId);
    }

    [Theory]
    [InlineData("500", HttpStatusCode.InternalServerError)]
    [InlineData("502", HttpStatusCode.BadGateway)]
    [InlineData("503", HttpStatusCode.ServiceUnavailable)]
    public async Task A_scripted_server_error_answers_before_anything_is_created(string step, HttpStatusCode status)
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { script = new[] { step } });

        await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).ShouldBeSrErrorAsync(status);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();

        (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).StatusCode.ShouldBe(HttpStatusCode.Created, "a script step is used once");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_reset_before_processing_drops_the_connection_and_creates_nothing()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { script = new[] { "reset" } });

        await Should.ThrowAsync<Exception>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant()));

        (await tenant.CandidatesAsync()).ShouldBeEmpty();
        (await tenant.StatsAsync())["endpoints"]!["POST /jobs/{id}/candidates"]!["statuses"]!["reset"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task Commit_then_drop_creates_the_candidate_but_the_client_never_hears_of_it()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { script = new[] { "commit-then-drop" } });

        await Should.ThrowAsync<Exception>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant()));

        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_hung_response_times_out_the_client_and_creates_nothing()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { script = new[] { "hang" } });
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Should.ThrowAsync<OperationCanceledException>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant(), patience.Token));

        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Commit_then_hang_creates_the_candidate_and_times_out_the_client()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { script = new[] { "commit-then-hang" } });
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Should.ThrowAsync<OperationCanceledException>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant(), patience.Token));

        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_error_rate_of_one_fails_every_matching_request_and_only_those()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { error503Rate = 1.0, methods = new[] { "POST" }, pathPattern = "/candidates$" });

        for (var i = 0; i < 5; i++)
        {
            (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }

        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK, "GETs do not match the fault's methods");
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Faults_are_per_credential_and_can_be_cleared()
    {
        var (tenant, api, jobId) = await ArrangeAsync(sandbox, new { error500Rate = 1.0 });
        var other = await sandbox.NewTenantAsync();

        (await api.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await (await other.ApiAsync()).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}/faults")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_scripted_fault_can_hit_the_token_endpoint()
    {
        var (tenant, _, _) = await ArrangeAsync(sandbox, new { script = new[] { "503" }, pathPattern = "^/identity/oauth/token$" });

        (await tenant.RequestTokenAsync()).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await tenant.RequestTokenAsync()).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{\"error500Rate\":1.5}")]
    [InlineData("{\"error500Rate\":0.6,\"resetRate\":0.6}")]
    [InlineData("{\"script\":[\"explode\"]}")]
    [InlineData("{\"pathPattern\":\"(\"}")]
    [InlineData("{\"commitThenDropMode\":\"later\"}")]
    [InlineData("{\"latencyMs\":10,\"latencyJitterMs\":20}")]
    [InlineData("{\"latencyMs\":\"slow\"}")]
    public async Task Invalid_fault_settings_get_a_problem_details_400(string body)
    {
        var tenant = await sandbox.NewTenantAsync();

        var problem = await (await tenant.Http().PutAsync($"/_sandbox/credentials/{tenant.ClientId}/faults", Tenant.Json(body))).ShouldBeJsonAsync(HttpStatusCode.BadRequest);

        problem["code"]!.GetValue<string>().ShouldStartWith("sandbox.");
        problem.Str("detail").ShouldNotBeEmpty();
    }
}
