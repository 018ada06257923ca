using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

public sealed partial class JobTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private async Task<HttpClient> DemoApiAsync()
    {
        var demo = await SandboxFactory.ReadAsync(await sandbox.Http().GetAsync("/_sandbox/demo"));
        var tenant = new Tenant(sandbox, demo.Str("identifier"), demo["credential"].Str("clientId"), demo["credential"].Str("clientSecret"), demo.Str("apiKey"));
        return await tenant.ApiAsync();
    }

    private static async Task<List<JsonNode>> AllPagesAsync(HttpClient api, string query, Func<int, Task>? betweenPages = null)
    {
        var jobs = new List<JsonNode>();
        string? pageId = null;
        for (var page = 0; page < 100; page++)
        {
            var url = "/jobs?" + query + (pageId is null ? "" : "&pageId=" + Uri.EscapeDataString(pageId));
            var body = await (await api.GetAsync(url)).ShouldBeJsonAsync(HttpStatusCode.OK);
            jobs.AddRange(body["content"]!.AsArray().Select(j => j!));
            pageId = body["nextPageId"]?.GetValue<string>();
            if (pageId is null)
            {
                return jobs;
            }

            if (betweenPages is not null)
            {
                await betweenPages(page);
            }
        }

        throw new ShouldAssertException("The listing never ended.");
    }

    [Fact]
    public async Task The_demo_company_lists_its_40_jobs_page_by_page_with_no_cursor_on_the_last_page()
    {
        var api = await DemoApiAsync();

        var first = await (await api.GetAsync("/jobs?limit=7")).ShouldBeJsonAsync(HttpStatusCode.OK);
        first["totalFound"]!.GetValue<int>().ShouldBe(40);
        first["limit"]!.GetValue<int>().ShouldBe(7);
        first["content"]!.AsArray().Count.ShouldBe(7);

        var all = await AllPagesAsync(api, "limit=7");
        all.Count.ShouldBe(40);
        all.Select(j => j.Str("id")).Distinct().Count().ShouldBe(40);
    }

    [Fact]
    public async Task The_demo_jobs_cover_statuses_posting_statuses_departments_cities_and_languages()
    {
        var all = await AllPagesAsync(await DemoApiAsync(), "limit=100");

        all.Select(j => j.Str("status")).Distinct().Count().ShouldBeGreaterThanOrEqualTo(6);
        all.Select(j => j.Str("postingStatus")).Distinct().Count().ShouldBe(4);
        all.Select(j => j["department"].Str("label")).Distinct().Count().ShouldBeGreaterThanOrEqualTo(5);
        all.Select(j => j["location"].Str("city")).Distinct().Count().ShouldBeGreaterThanOrEqualTo(5);
        all.Select(j => j["language"].Str("code")).Distinct().ShouldBe(["fr", "en"], ignoreOrder: true);
    }

    [Fact]
    public async Task Dates_are_iso_8601_utc_with_milliseconds()
    {
        var body = await (await (await DemoApiAsync()).GetAsync("/jobs?limit=1")).ShouldBeJsonAsync(HttpStatusCode.OK);

        body["content"]![0].Str("updatedOn").ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$");
    }

    [Theory]
    [InlineData("limit=101")]
    [InlineData("limit=0")]
    [InlineData("limit=ten")]
    [InlineData("offset=-1")]
    [InlineData("pageId=not-a-cursor")]
    [InlineData("pageId=c2J4MTp4")]
    [InlineData("updatedAfter=yesterday")]
    [InlineData("status=OPEN")]
    [InlineData("postingStatus=EVERYWHERE")]
    public async Task Invalid_listing_parameters_get_an_sr_shaped_400(string query)
    {
        await (await (await DemoApiAsync()).GetAsync("/jobs?" + query)).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Filters_narrow_the_listing()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        await tenant.AddJobAsync(new { title = "Cariste", status = "SOURCING", postingStatus = "PUBLIC", location = new { city = "Lyon" }, department = new { id = "log", label = "Logistique" } });
        await tenant.AddJobAsync(new { title = "Comptable", status = "FILLED", postingStatus = "INTERNAL", location = new { city = "Paris" }, department = new { id = "fin", label = "Finance" } });
        await tenant.AddJobAsync(new { title = "Cariste de nuit", status = "ON_HOLD", postingStatus = "PUBLIC", location = new { city = "Paris" }, language = new { code = "de" } });

        async Task<string[]> Titles(string query) =>
            [.. (await AllPagesAsync(api, query)).Select(j => j.Str("title")).Order()];

        (await Titles("q=cariste")).ShouldBe(["Cariste", "Cariste de nuit"]);
        (await Titles("status=FILLED")).ShouldBe(["Comptable"]);
        (await Titles("postingStatus=PUBLIC")).ShouldBe(["Cariste", "Cariste de nuit"]);
        (await Titles("city=Paris")).ShouldBe(["Cariste de nuit", "Comptable"]);
        (await Titles("city=Paris&city=Lyon")).Length.ShouldBe(3);
        (await Titles("department=Finance")).ShouldBe(["Comptable"]);
        (await Titles("department=log")).ShouldBe(["Cariste"]);
        (await Titles("language=de")).ShouldBe(["Cariste de nuit"]);
        (await Titles("offset=1&limit=10")).Length.ShouldBe(2);
    }

    [Fact]
    public async Task UpdatedAfter_returns_only_jobs_changed_since()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var old = await tenant.AddJobAsync(new { title = "Ancien", updatedOn = "2026-01-01T00:00:00.000Z" });
        var changed = await tenant.AddJobAsync(new { title = "Modifié", updatedOn = "2026-01-01T00:00:00.000Z" });
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{changed.Str("id")}", new { status = "INTERVIEW" })).EnsureSuccessStatusCode();

        var recent = await AllPagesAsync(api, "updatedAfter=2026-06-01T00:00:00%2B02:00");

        recent.Select(j => j.Str("id")).ShouldBe([changed.Str("id")]);
        recent[0].Str("status").ShouldBe("INTERVIEW");
        old.Str("updatedOn").ShouldBe("2026-01-01T00:00:00.000Z");
    }

    [Fact]
    public async Task Paging_is_stable_while_recruiters_edit_add_and_remove_jobs()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            ids.Add(await tenant.AddJobIdAsync($"Offre {i:D2}"));
        }

        var control = tenant.Http();
        var seen = await AllPagesAsync(api, "limit=5", async page =>
        {
            // Recruiters at work between two pages: jobs already served and jobs still to come change, one is added.
            (await control.PatchAsJsonAsync($"/_sandbox/jobs/{ids[page]}", new { title = $"Offre {page:D2} (modifiée)" })).EnsureSuccessStatusCode();
            (await control.PatchAsJsonAsync($"/_sandbox/jobs/{ids[24 - page]}", new { status = "INTERVIEW" })).EnsureSuccessStatusCode();
            await tenant.AddJobIdAsync($"Nouvelle offre {page}");
        });

        var seenIds = seen.Select(j => j.Str("id")).ToList();
        seenIds.Count.ShouldBe(seenIds.Distinct().Count(), "no job is served twice");
        ids.ShouldAllBe(id => seenIds.Contains(id), "no job that existed throughout is skipped");
    }

    [Fact]
    public async Task Accept_language_selects_the_translated_ad_when_there_is_one()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var job = await tenant.AddJobAsync(new
        {
            title = "Préparateur de commandes",
            language = new { code = "fr" },
            jobAd = new { sections = new { jobDescription = new { title = "Votre mission", text = "<p>Préparer</p>" } } },
            translations = new Dictionary<string, object>
            {
                ["en"] = new { title = "Order picker", jobAd = new { sections = new { jobDescription = new { title = "The role", text = "<p>Pick</p>" } } } },
            },
        });

        api.DefaultRequestHeaders.Add("Accept-Language", "de-DE, en;q=0.8, fr;q=0.5");
        var english = await (await api.GetAsync($"/jobs/{job.Str("id")}")).ShouldBeJsonAsync(HttpStatusCode.OK);
        english.Str("title").ShouldBe("Order picker");
        english["language"].Str("code").ShouldBe("en");
        english["jobAd"]!["sections"]!["jobDescription"].Str("title").ShouldBe("The role");

        api.DefaultRequestHeaders.Remove("Accept-Language");
        var french = await (await api.GetAsync($"/jobs/{job.Str("id")}")).ShouldBeJsonAsync(HttpStatusCode.OK);
        french.Str("title").ShouldBe("Préparateur de commandes");
    }

    [Fact]
    public async Task Job_details_have_sr_shape()
    {
        var api = await DemoApiAsync();
        var id = (await (await api.GetAsync("/jobs?limit=1")).ShouldBeJsonAsync(HttpStatusCode.OK))["content"]![0].Str("id");

        var job = await (await api.GetAsync($"/jobs/{id}")).ShouldBeJsonAsync(HttpStatusCode.OK);

        job.Str("id").ShouldBe(id);
        job.Str("refNumber").ShouldNotBeEmpty();
        job["typeOfEmployment"].Str("label").ShouldNotBeEmpty();
        job["experienceLevel"].Str("id").ShouldNotBeEmpty();
        job["compensation"].Str("currency").ShouldBe("EUR");
        job["jobAd"]!["sections"]!["companyDescription"].Str("text").ShouldContain("<p>");
        job["creator"].Str("id").ShouldNotBeEmpty();
        job["actions"]!["details"].Str("url").ShouldEndWith($"/jobs/{id}");
        job["properties"]!.AsArray().Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Unknown_jobs_and_other_companies_jobs_are_404()
    {
        var tenant = await sandbox.NewTenantAsync();
        var other = await sandbox.NewTenantAsync();
        var theirs = await other.AddJobIdAsync();
        var api = await tenant.ApiAsync();

        await (await api.GetAsync($"/jobs/{theirs}")).ShouldBeSrErrorAsync(HttpStatusCode.NotFound);
        await (await api.GetAsync("/jobs/not-a-uuid")).ShouldBeSrErrorAsync(HttpStatusCode.NotFound);
        (await AllPagesAsync(api, "limit=100")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_deleted_job_disappears_from_listings_and_details()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var id = await tenant.AddJobIdAsync();

        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await api.GetAsync($"/jobs/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await AllPagesAsync(api, "limit=10")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Cursors_are_opaque_strings()
    {
        var body = await (await (await DemoApiAsync()).GetAsync("/jobs?limit=3")).ShouldBeJsonAsync(HttpStatusCode.OK);

        CursorShape().IsMatch(body.Str("nextPageId")).ShouldBeTrue();
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex CursorShape();
}
