using System.Net;
using System.Net.Http.Json;
using System.Text;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed class ControlTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    [Fact]
    public async Task The_demo_credential_holds_exactly_jobs_read_and_candidates_create_and_works()
    {
        var demo = await (await sandbox.Http().GetAsync("/_sandbox/demo")).ShouldBeJsonAsync(HttpStatusCode.OK);

        demo.Str("identifier").ShouldBe("MaisonAzur");
        demo["credential"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["candidates_create", "jobs_read"], ignoreOrder: true);
        var tenant = new Tenant(sandbox, demo.Str("identifier"), demo["credential"].Str("clientId"), demo["credential"].Str("clientSecret"), demo.Str("apiKey"));
        (await tenant.RequestTokenAsync()).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/_sandbox/companies", "{\"identifier\":\"has spaces\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies", "{\"identifier\":", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies", "[1,2]", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies", "{\"identifier\":\"MaisonAzur\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/credentials", "{\"company\":\"MaisonAzur\",\"scopes\":[\"jobs_read\"]}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/credentials", "{\"company\":\"MaisonAzur\",\"scopes\":[\"everything\"],\"systemRole\":\"Admin\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/credentials", "{\"company\":\"Nobody\",\"scopes\":[\"jobs_read\"],\"systemRole\":\"Admin\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/credentials", "{\"company\":\"MaisonAzur\",\"scopes\":\"jobs_read\",\"systemRole\":\"Admin\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies/MaisonAzur/jobs", "{\"status\":\"SOURCING\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies/MaisonAzur/jobs", "{\"title\":\"X\",\"status\":\"OPEN\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies/MaisonAzur/jobs", "{\"title\":\"X\",\"id\":\"not-a-uuid\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies/MaisonAzur/jobs", "{\"title\":\"X\",\"createdOn\":\"someday\"}", HttpStatusCode.BadRequest)]
    [InlineData("/_sandbox/companies/Nobody/jobs", "{\"title\":\"X\"}", HttpStatusCode.NotFound)]
    public async Task Bad_control_requests_get_problem_details_with_a_stable_code(string path, string body, HttpStatusCode status)
    {
        var problem = await (await sandbox.Http().PostAsync(path, Tenant.Json(body))).ShouldBeJsonAsync(status);

        problem["status"]!.GetValue<int>().ShouldBe((int)status);
        problem.Str("code").ShouldStartWith("sandbox.");
        problem.Str("detail").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Control_bodies_must_be_json()
    {
        var response = await sandbox.Http().PostAsync("/_sandbox/companies", new StringContent("identifier=x", Encoding.UTF8, "application/x-www-form-urlencoded"));

        (await response.ShouldBeJsonAsync(HttpStatusCode.UnsupportedMediaType)).Str("code").ShouldBe("sandbox.json_required");
    }

    [Fact]
    public async Task Unknown_ids_in_the_control_api_are_404()
    {
        var http = sandbox.Http();

        (await http.DeleteAsync("/_sandbox/credentials/nobody")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.PutAsJsonAsync("/_sandbox/credentials/nobody/faults", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.PatchAsJsonAsync($"/_sandbox/jobs/{Guid.NewGuid()}", new { title = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.DeleteAsync($"/_sandbox/jobs/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync("/_sandbox/nothing-here")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_job_patch_cannot_change_identity_and_validates_enums()
    {
        var tenant = await sandbox.NewTenantAsync();
        var id = await tenant.AddJobIdAsync();
        var http = tenant.Http();

        (await http.PatchAsJsonAsync($"/_sandbox/jobs/{id}", new { id = Guid.NewGuid() })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await http.PatchAsJsonAsync($"/_sandbox/jobs/{id}", new { postingStatus = "EVERYWHERE" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var patched = await (await http.PatchAsJsonAsync($"/_sandbox/jobs/{id}", new { status = "FILLED", location = new { city = "Nantes" } })).ShouldBeJsonAsync(HttpStatusCode.OK);
        patched.Str("status").ShouldBe("FILLED");
        patched["location"].Str("city").ShouldBe("Nantes");
        patched.Str("title").ShouldBe("Développeur .NET");
    }

    [Fact]
    public async Task Settings_merge_partial_updates_and_reject_bad_values()
    {
        await using var own = new SandboxFactory();
        var http = own.Http();

        var merged = await (await http.PutAsJsonAsync("/_sandbox/settings", new { maxAttachmentBytes = 1000 })).ShouldBeJsonAsync(HttpStatusCode.OK);
        merged["maxAttachmentBytes"]!.GetValue<long>().ShouldBe(1000);
        merged.Str("duplicatePolicy").ShouldBe("create-new");

        foreach (var bad in new object[] { new { requestPerSecond = 3 }, new { duplicatePolicy = "merge" }, new { requestsPerSecond = 0 }, new { latencyMs = 5, latencyJitterMs = 10 }, new { allowedAttachmentExtensions = new[] { ".pdf" } } })
        {
            (await (await http.PutAsJsonAsync("/_sandbox/settings", bad)).ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldBe("sandbox.invalid_settings");
        }

        var tenant = await own.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var candidateId = (await (await api.PostAsJsonAsync("/candidates", Tenant.Applicant())).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File(new byte[1001], "cv.pdf"))).ShouldBeSrErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File(new byte[1000], "cv.pdf"))).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Reset_restores_the_seed_the_settings_and_the_counters()
    {
        await using var own = new SandboxFactory();
        var http = own.Http();
        var tenant = await own.NewTenantAsync();
        (await (await tenant.ApiAsync()).PostAsJsonAsync("/candidates", Tenant.Applicant())).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await http.PutAsJsonAsync("/_sandbox/settings", new { duplicatePolicy = "conflict" })).EnsureSuccessStatusCode();

        var reset = await (await http.PostAsync("/_sandbox/reset", null)).ShouldBeJsonAsync(HttpStatusCode.OK);

        reset["jobs"]!.GetValue<int>().ShouldBe(40);
        reset["companies"]!.GetValue<int>().ShouldBe(1);
        (await SandboxFactory.ReadAsync(await http.GetAsync("/_sandbox/candidates"))).AsArray().ShouldBeEmpty();
        (await SandboxFactory.ReadAsync(await http.GetAsync("/_sandbox/settings"))).Str("duplicatePolicy").ShouldBe("create-new");
        (await SandboxFactory.ReadAsync(await http.GetAsync("/_sandbox/stats"))).AsArray().ShouldBeEmpty();
        (await tenant.RequestTokenAsync()).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the test's credential is gone");

        var empty = await (await http.PostAsync("/_sandbox/reset?seed=none", null)).ShouldBeJsonAsync(HttpStatusCode.OK);
        empty["jobs"]!.GetValue<int>().ShouldBe(0);
        (await http.GetAsync("/_sandbox/demo")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.PostAsync("/_sandbox/reset?seed=/no/such/file.json", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_seed_that_does_not_apply_leaves_the_sandbox_as_it_was()
    {
        await using var own = new SandboxFactory();
        var path = Path.Combine(Path.GetTempPath(), $"sandbox-bad-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{"companies":[{"identifier":"Bad Id","jobs":[]}]}""");
        try
        {
            var problem = await (await own.Http().PostAsync($"/_sandbox/reset?seed={Uri.EscapeDataString(path)}", null)).ShouldBeJsonAsync(HttpStatusCode.BadRequest);
            problem.Str("detail").ShouldContain("identifier");

            (await own.Http().GetAsync("/_sandbox/demo")).StatusCode.ShouldBe(HttpStatusCode.OK, "the demo seed is still there");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_seed_file_is_applied_on_reset()
    {
        await using var own = new SandboxFactory();
        var path = Path.Combine(Path.GetTempPath(), $"sandbox-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {"companies":[{"identifier":"Acme","name":"Acme","jobs":[{"title":"Welder","refNumber":"W-1"},{"title":"Baker","status":"FILLED"}]}],
             "credentials":[{"company":"Acme","scopes":["jobs_read"],"systemRole":"Employee","clientId":"acme-client","clientSecret":"acme-secret"}]}
            """);
        try
        {
            var reset = await (await own.Http().PostAsync($"/_sandbox/reset?seed={Uri.EscapeDataString(path)}", null)).ShouldBeJsonAsync(HttpStatusCode.OK);
            reset["jobs"]!.GetValue<int>().ShouldBe(2);

            var demo = await (await own.Http().GetAsync("/_sandbox/demo")).ShouldBeJsonAsync(HttpStatusCode.OK);
            demo.Str("identifier").ShouldBe("Acme");
            demo["credential"].Str("clientId").ShouldBe("acme-client");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_inbox_shows_each_candidate_under_its_job_with_the_cv()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync("Chef d'équipe logistique");
        var api = await tenant.ApiAsync();
        var candidateId = (await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        (await api.PostAsync($"/candidates/{candidateId}/jobs/{jobId}/attachments", Tenant.File(Encoding.UTF8.GetBytes("CV"), "cv-ada.pdf", "RESUME")))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        var response = await sandbox.Http().GetAsync($"/_sandbox/inbox?company={tenant.Company}");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("Chef d&#x27;&#xE9;quipe logistique");
        html.ShouldContain($"data-candidate-id=\"{candidateId}\"");
        html.ShouldContain("cv-ada.pdf");
        html.ShouldContain("RESUME");
    }

    [Fact]
    public async Task Stats_count_requests_per_endpoint_and_status()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        await api.GetAsync("/jobs");
        await api.GetAsync("/jobs");
        await api.GetAsync($"/jobs/{Guid.NewGuid()}");

        var stats = await tenant.StatsAsync();

        stats["requests"]!.GetValue<long>().ShouldBe(4);
        stats["tokenRequests"]!.GetValue<long>().ShouldBe(1);
        stats["endpoints"]!["GET /jobs"]!["statuses"]!["200"]!.GetValue<long>().ShouldBe(2);
        stats["endpoints"]!["GET /jobs/{id}"]!["statuses"]!["404"]!.GetValue<long>().ShouldBe(1);
    }
}
