using System.Net;
using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed class PostingTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    [Fact]
    public async Task An_unknown_company_identifier_gets_200_with_no_postings()
    {
        var body = await (await sandbox.Http().GetAsync("/v1/companies/NoSuchCompany/postings")).ShouldBeJsonAsync(HttpStatusCode.OK);

        body["totalFound"]!.GetValue<int>().ShouldBe(0);
        body["content"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Public_jobs_are_posted_once_per_language_without_authentication()
    {
        var tenant = await sandbox.NewTenantAsync();
        await tenant.AddJobAsync(new
        {
            title = "Cariste", refNumber = "REF-BILINGUE", language = new { code = "fr" },
            translations = new Dictionary<string, object> { ["en"] = new { title = "Forklift driver" } },
        });
        await tenant.AddJobAsync(new { title = "Interne", refNumber = "REF-INTERNE", postingStatus = "INTERNAL" });

        var body = await (await sandbox.Http().GetAsync($"/v1/companies/{tenant.Company}/postings?limit=100")).ShouldBeJsonAsync(HttpStatusCode.OK);

        var postings = body["content"]!.AsArray();
        postings.Count.ShouldBe(2);
        postings.Select(p => p.Str("refNumber")).Distinct().ToList().ShouldBe(["REF-BILINGUE"]);
        postings.Select(p => p.Str("id")).Distinct().Count().ShouldBe(2);
        postings.Select(p => p!["language"].Str("code")).ShouldBe(["fr", "en"], ignoreOrder: true);
        postings.Select(p => p.Str("name")).ShouldBe(["Cariste", "Forklift driver"], ignoreOrder: true);
        postings.Select(p => p.Str("id")).ShouldAllBe(id => id.All(char.IsAsciiDigit));
        postings[0]!["company"].Str("identifier").ShouldBe(tenant.Company);
    }

    [Fact]
    public async Task Unpublishing_a_job_removes_its_postings()
    {
        var tenant = await sandbox.NewTenantAsync();
        var id = await tenant.AddJobIdAsync();

        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{id}", new { postingStatus = "NOT_PUBLISHED" })).EnsureSuccessStatusCode();

        var body = await (await sandbox.Http().GetAsync($"/v1/companies/{tenant.Company}/postings")).ShouldBeJsonAsync(HttpStatusCode.OK);
        body["content"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_filled_or_cancelled_job_is_taken_off_the_postings()
    {
        var tenant = await sandbox.NewTenantAsync();
        var open = await tenant.AddJobIdAsync("Ouvert");
        var filled = await tenant.AddJobIdAsync("Pourvu");
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{filled}", new { status = "FILLED" })).EnsureSuccessStatusCode();
        await tenant.AddJobIdAsync("Annulé", status: "CANCELLED");

        var body = await (await sandbox.Http().GetAsync($"/v1/companies/{tenant.Company}/postings")).ShouldBeJsonAsync(HttpStatusCode.OK);

        body["content"]!.AsArray().Select(p => p.Str("name")).ShouldBe(["Ouvert"]);
        open.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task The_posting_limit_is_capped_at_100()
    {
        await (await sandbox.Http().GetAsync("/v1/companies/MaisonAzur/postings?limit=500")).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_demo_company_publishes_some_jobs_in_two_languages()
    {
        var body = await (await sandbox.Http().GetAsync("/v1/companies/MaisonAzur/postings?limit=100")).ShouldBeJsonAsync(HttpStatusCode.OK);

        var postings = body["content"]!.AsArray();
        postings.GroupBy(p => p.Str("refNumber")).Count(g => g.Count() == 2).ShouldBeGreaterThan(5);
    }
}
