using System.Net.Http.Json;
using Passerelle.SmartRecruiters.Wire;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

public sealed class JobListingTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private async Task<(Tenant Tenant, ClientHarness Harness, SrCredential Credential)> DemoAsync()
    {
        var demo = await SandboxFactory.ReadAsync(await sandbox.Http().GetAsync("/_sandbox/demo"));
        var tenant = new Tenant(sandbox, demo.Str("identifier"), demo["credential"].Str("clientId"), demo["credential"].Str("clientSecret"), demo.Str("apiKey"));
        var harness = ClientHarness.For(sandbox, o => (o.RequestsPerSecond, o.ConcurrentRequests) = (100_000, 1_000));
        return (tenant, harness, harness.Credential(tenant));
    }

    [Fact]
    public async Task Every_job_is_listed_once_across_pages_and_the_listing_is_complete()
    {
        var (_, harness, credential) = await DemoAsync();
        await using var _ = harness;

        var listing = harness.Client.ListJobsAsync(credential, new JobQuery { Limit = 7 });
        var jobs = await listing.ToListAsync();

        jobs.Count.ShouldBe(40);
        jobs.Select(j => j.Id).Distinct().Count().ShouldBe(40);
        listing.IsComplete.ShouldBeTrue();
        listing.Stop.ShouldBe(SrListingStop.LastPage);
        listing.Pages.ShouldBe(6);
        listing.TotalFound.ShouldBe(40);
    }

    [Fact]
    public async Task Jobs_changed_and_added_while_the_client_pages_are_neither_skipped_nor_repeated()
    {
        var tenant = await sandbox.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await tenant.AddJobIdAsync($"Offre {i}"));
        }

        await using var harness = ClientHarness.For(sandbox, o => (o.RequestsPerSecond, o.ConcurrentRequests) = (100_000, 1_000));
        var seen = new List<string>();
        var control = tenant.Http();
        await foreach (var job in harness.Client.ListJobsAsync(harness.Credential(tenant), new JobQuery { Limit = 4 }))
        {
            seen.Add(job.Id);
            if (seen.Count % 4 == 0 && seen.Count < 28)
            {
                // Recruiters edit a job already served and one still to come, and add one.
                (await control.PatchAsJsonAsync($"/_sandbox/jobs/{ids[seen.Count - 1]}", new { status = "INTERVIEW" })).EnsureSuccessStatusCode();
                (await control.PatchAsJsonAsync($"/_sandbox/jobs/{ids[29 - (seen.Count / 4)]}", new { title = "Renommée" })).EnsureSuccessStatusCode();
                await tenant.AddJobIdAsync("Ajoutée pendant la lecture");
            }
        }

        seen.Count.ShouldBe(seen.Distinct().Count());
        ids.ShouldAllBe(id => seen.Contains(id));
    }

    [Fact]
    public async Task Filters_and_the_language_are_sent_to_sr()
    {
        var (_, harness, credential) = await DemoAsync();
        await using var _ = harness;

        var english = await harness.Client.ListJobsAsync(credential, new JobQuery { PostingStatus = "PUBLIC", Status = "SOURCING", AcceptLanguage = "en" }).ToListAsync();
        var recent = await harness.Client.ListJobsAsync(credential, new JobQuery { UpdatedAfter = TimeProvider.System.GetUtcNow().AddYears(1) }).ToListAsync();

        english.ShouldNotBeEmpty();
        english.ShouldAllBe(j => j.PostingStatus == "PUBLIC" && j.Status == "SOURCING");
        english.ShouldContain(j => j.Language!.Code == "en");
        recent.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_listing_cut_short_by_failures_is_incomplete_and_says_why()
    {
        var tenant = await sandbox.NewTenantAsync();
        for (var i = 0; i < 5; i++)
        {
            await tenant.AddJobIdAsync($"Offre {i}");
        }

        await using var harness = ClientHarness.For(sandbox, o => o.MaxAttempts = 2);
        // The first page comes through; every later page fails.
        await tenant.SetFaultsAsync(new { error500Rate = 1.0, pathPattern = "^/jobs$", script = new[] { "ok" } });
        var listing = harness.Client.ListJobsAsync(harness.Credential(tenant), new JobQuery { Limit = 2 });

        var jobs = await listing.ToListAsync();

        jobs.Count.ShouldBe(2);
        listing.IsComplete.ShouldBeFalse();
        listing.Stop.ShouldBe(SrListingStop.Failed);
        listing.Failure!.Kind.ShouldBe(SrOutcomeKind.NotSent);
        listing.Failure.StatusCode.ShouldBe(500);
    }

    [Fact]
    public async Task A_job_comes_with_its_ad_and_the_raw_json_as_sr_sent_it()
    {
        var (_, harness, credential) = await DemoAsync();
        await using var _ = harness;
        var first = (await harness.Client.ListJobsAsync(credential, new JobQuery { Limit = 1, PostingStatus = "PUBLIC" }).ToListAsync()).First();

        var job = await harness.Client.GetJobAsync(credential, first.Id);

        job.IsSuccess.ShouldBeTrue(job.ToString());
        job.Value!.JobAd!.Sections!.JobDescription!.Text.ShouldNotBeNullOrEmpty();
        job.Value.TypeOfEmployment!.Label.ShouldNotBeNullOrEmpty();
        job.Value.UpdatedOn.ShouldNotBeNull();
        job.Value.RawJson.ShouldContain("\"jobAd\"");
        (await harness.Client.GetJobAsync(credential, Guid.NewGuid().ToString())).Kind.ShouldBe(SrOutcomeKind.NotFound);
    }

    [Fact]
    public async Task Postings_of_a_company_are_read_across_pages_without_a_credential()
    {
        var (_, harness, _) = await DemoAsync();
        await using var _ = harness;

        var postings = await harness.Client.ListPostingsAsync(harness.BaseUrl, "MaisonAzur");
        var none = await harness.Client.ListPostingsAsync(harness.BaseUrl, "NoSuchCompany");

        postings.IsSuccess.ShouldBeTrue(postings.ToString());
        postings.Value!.Count.ShouldBeGreaterThan(30);
        postings.Value.Select(p => p.Id).Distinct().Count().ShouldBe(postings.Value.Count);
        none.IsSuccess.ShouldBeTrue();
        none.Value!.ShouldBeEmpty();
    }
}
