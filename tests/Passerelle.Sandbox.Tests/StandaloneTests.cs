using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

/// <summary>The sandbox run alone, as a developer or the bench runs it, over real sockets.</summary>
public sealed class StandaloneTests : IAsyncLifetime
{
    private SandboxProcess _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxProcess.StartAsync("--seed", "demo");

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    private async Task<(HttpClient Api, JsonNode Demo)> DemoApiAsync()
    {
        var http = _sandbox.Http();
        var demo = await (await http.GetAsync("/_sandbox/demo")).ShouldBeJsonAsync(HttpStatusCode.OK);
        var token = await (await http.PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = demo["credential"].Str("clientId"),
            ["client_secret"] = demo["credential"].Str("clientSecret"),
        }))).ShouldBeJsonAsync(HttpStatusCode.OK);
        var api = _sandbox.Http();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Str("access_token"));
        return (api, demo);
    }

    [Fact]
    public async Task Run_alone_it_serves_a_token_pages_of_jobs_a_candidate_with_a_cv_and_the_inbox_shows_it()
    {
        var (api, demo) = await DemoApiAsync();

        var jobs = new List<JsonNode>();
        string? pageId = null;
        do
        {
            var page = await (await api.GetAsync("/jobs?limit=10" + (pageId is null ? "" : "&pageId=" + pageId))).ShouldBeJsonAsync(HttpStatusCode.OK);
            jobs.AddRange(page["content"]!.AsArray().Select(j => j!));
            pageId = page["nextPageId"]?.GetValue<string>();
        }
        while (pageId is not null);
        jobs.Count.ShouldBe(40);

        var jobId = jobs.First(j => j.Str("status") == "SOURCING").Str("id");
        var candidate = await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant("grace@example.org"))).ShouldBeJsonAsync(HttpStatusCode.Created);
        var cv = RandomNumberGenerator.GetBytes(256 * 1024);
        (await api.PostAsync($"/candidates/{candidate.Str("id")}/jobs/{jobId}/attachments", Tenant.File(cv, "cv-grace.pdf", "RESUME")))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        var inbox = await _sandbox.Http().GetStringAsync($"/_sandbox/inbox?company={demo.Str("identifier")}");
        inbox.ShouldContain(candidate.Str("id"));
        inbox.ShouldContain("cv-grace.pdf");
        var received = (await SandboxFactory.ReadAsync(await _sandbox.Http().GetAsync("/_sandbox/candidates"))).AsArray().Single()!;
        received["attachments"]![0].Str("sha256").ShouldBe(Convert.ToHexStringLower(SHA256.HashData(cv)));
    }

    [Fact]
    public async Task Over_real_sockets_a_reset_creates_nothing_and_commit_then_drop_creates_the_candidate()
    {
        var (api, demo) = await DemoApiAsync();
        var jobId = (await (await api.GetAsync("/jobs?status=SOURCING&limit=1")).ShouldBeJsonAsync(HttpStatusCode.OK))["content"]![0].Str("id");
        (await _sandbox.Http().PutAsJsonAsync($"/_sandbox/credentials/{demo["credential"].Str("clientId")}/faults",
            new { script = new[] { "reset", "commit-then-drop" } })).EnsureSuccessStatusCode();

        await Should.ThrowAsync<HttpRequestException>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant()));
        (await SandboxFactory.ReadAsync(await _sandbox.Http().GetAsync("/_sandbox/candidates"))).AsArray().ShouldBeEmpty();

        await Should.ThrowAsync<HttpRequestException>(() => api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant()));
        (await SandboxFactory.ReadAsync(await _sandbox.Http().GetAsync("/_sandbox/candidates"))).AsArray().Count.ShouldBe(1);
    }
}
