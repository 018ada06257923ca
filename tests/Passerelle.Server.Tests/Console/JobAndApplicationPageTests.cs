using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Dom;
using Passerelle.Core.Users;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests.Console;

/// <summary>
/// The job offers and applications tabs and an application's page, read and used as a browser without JavaScript
/// would, against the sandbox: what SR has shows up, the filters narrow it, and the actions do what the API does.
/// </summary>
public sealed class JobAndApplicationPageTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private const int JobsPageSize = Pages.Connections.JobsModel.PageSize;
    private static readonly Dictionary<string, string> NoFields = [];

    [Fact]
    public async Task The_jobs_tab_lists_the_synced_jobs_with_their_sanitised_ad_and_the_search_narrows_them()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var cariste = (await tenant.AddJobAsync(new
        {
            title = "Cariste CACES 3 (H/F)", status = "SOURCING", postingStatus = "PUBLIC", refNumber = "REF-CAR-77",
            location = new { city = "Nantes", countryCode = "fr" },
            jobAd = new { sections = new { jobDescription = new { title = "Le poste", text = "<p>Conduire <strong>un chariot</strong></p><script>alert(1)</script><img src=x onerror=alert(2)>" } } },
        })).Str("id");
        await tenant.AddJobIdAsync("Préparateur de commandes (H/F)");
        var filled = await tenant.AddJobIdAsync("Magasinier (H/F)", status: "FILLED");
        var (connection, _) = await OnboardAsync(server, tenant, jobs: 0);
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);

        var (status, page, _) = await viewer.GetAsync($"/connections/{connection}/jobs");

        status.ShouldBe(HttpStatusCode.OK);
        JobIds(page).Count.ShouldBe(3);
        JobIds(page).ShouldContain(cariste);
        JobIds(page).ShouldContain(filled);
        page.QuerySelector("nav.tabs a[aria-current=page]")!.TextContent.ShouldBe("Job offers");
        var row = page.QuerySelector($"tr[data-job-id='{cariste}']")!;
        row.TextContent.ShouldContain("REF-CAR-77");
        row.TextContent.ShouldContain("Nantes");
        row.TextContent.ShouldContain("Sourcing");
        var ad = row.QuerySelector(".ad-section")!;
        ad.QuerySelector("strong")!.TextContent.ShouldBe("un chariot");
        ad.QuerySelector("script").ShouldBeNull();
        ad.QuerySelector("img").ShouldBeNull();
        ad.InnerHtml.ShouldNotContain("onerror");
        page.QuerySelector($"tr[data-job-id='{filled}']")!.QuerySelector(".badge")!.TextContent.ShouldBe("Filled");

        JobIds((await viewer.GetAsync($"/connections/{connection}/jobs?q=caces")).Document).ShouldBe([cariste]);
        JobIds((await viewer.GetAsync($"/connections/{connection}/jobs?q=nantes")).Document).ShouldBe([cariste]);
        JobIds((await viewer.GetAsync($"/connections/{connection}/jobs?q=ref-car")).Document).ShouldBe([cariste]);
        JobIds((await viewer.GetAsync($"/connections/{connection}/jobs?q={filled}")).Document).ShouldBe([filled]);
        var byStatus = (await viewer.GetAsync($"/connections/{connection}/jobs?status=FILLED")).Document;
        JobIds(byStatus).ShouldBe([filled]);
        byStatus.QuerySelectorAll("#status option[selected]").Select(o => o.GetAttribute("value")).ShouldBe(["FILLED"]);
        page.QuerySelectorAll("#status option[selected]").ShouldBeEmpty();
        page.QuerySelector("#open")!.HasAttribute("checked").ShouldBeFalse();
        var open = (await viewer.GetAsync($"/connections/{connection}/jobs?open=true")).Document;
        JobIds(open).Count.ShouldBe(2);
        open.QuerySelector("#open")!.HasAttribute("checked").ShouldBeTrue();
        JobIds((await viewer.GetAsync($"/connections/{connection}/jobs?posting=PRIVATE")).Document).ShouldBeEmpty();

        // What a person can type into the address bar is answered, not thrown on.
        var (bogusStatus, bogus, _) = await viewer.GetAsync($"/connections/{connection}/jobs?status=BOGUS&p=abc&open=maybe&q={new string('x', 300)}");
        bogusStatus.ShouldBe(HttpStatusCode.OK);
        bogus.QuerySelector("#status-error")!.TextContent.ShouldContain("status");
        bogus.QuerySelector("#status")!.GetAttribute("aria-invalid").ShouldBe("true");
        bogus.QuerySelector("#q-error").ShouldNotBeNull();
        (await viewer.GetAsync($"/connections/{connection}/jobs?p=99999999999")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_jobs_tab_pages_through_many_jobs_without_showing_one_twice()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant, jobs: 30);
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);

        var (_, first, _) = await viewer.GetAsync($"/connections/{connection}/jobs?open=true");
        first.QuerySelector("[data-testid=job-count]")!.TextContent.ShouldBe("30 job offers");
        var next = first.QuerySelector("nav.pager a[rel=next]")!.GetAttribute("href")!;
        next.ShouldContain("open=true");
        var (_, second, _) = await viewer.GetAsync(next);

        JobIds(first).Count.ShouldBe(JobsPageSize);
        JobIds(first).Concat(JobIds(second)).ShouldBe(jobs, ignoreOrder: true);
        second.QuerySelector("nav.pager a[rel=next]").ShouldBeNull();
        second.QuerySelector("nav.pager a[rel=prev]").ShouldNotBeNull();
    }

    [Fact]
    public async Task The_applications_tab_shows_a_delivered_application_by_its_ids_only_and_its_page_tells_every_step()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        var cv = Pdf(101);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("chloe.tab@example.fr", "tab-1"), cv));
        var delivered = await WaitAsync(platform, id, "Delivered");
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);

        var (status, list, _) = await viewer.GetAsync($"/connections/{connection}/applications");

        status.ShouldBe(HttpStatusCode.OK);
        var row = list.QuerySelector($"tr[data-application-id='{id}']")!;
        row.QuerySelector("[data-state]")!.GetAttribute("data-state").ShouldBe("Delivered");
        row.QuerySelector(".badge-ok")!.TextContent.ShouldBe("Delivered");
        row.TextContent.ShouldContain("Préparateur de commandes 0 (H/F)");
        row.TextContent.ShouldContain(delivered.Str("srCandidateId"));
        list.QuerySelector("[data-testid=privacy-note]")!.TextContent.ShouldContain("encrypted");
        list.QuerySelectorAll("tr[data-application-id]").Length.ShouldBe(1);

        // The filters narrow it; a date that is not one is said next to its field.
        (await viewer.GetAsync($"/connections/{connection}/applications?state=Failed")).Document.QuerySelectorAll("tr[data-application-id]").ShouldBeEmpty();
        (await viewer.GetAsync($"/connections/{connection}/applications?state=delivered&job={jobs[0]}")).Document.QuerySelectorAll("tr[data-application-id]").Length.ShouldBe(1);
        (await viewer.GetAsync($"/connections/{connection}/applications?from=2000-01-01&to=2000-01-02")).Document.QuerySelectorAll("tr[data-application-id]").ShouldBeEmpty();
        var (badStatus, bad, _) = await viewer.GetAsync($"/connections/{connection}/applications?from=31-31-2026&to=2026-01-01&state=Nope&job=nope&after=garbage");
        badStatus.ShouldBe(HttpStatusCode.OK);
        bad.QuerySelector("#from-error").ShouldNotBeNull();
        bad.QuerySelector("#from")!.GetAttribute("aria-invalid").ShouldBe("true");
        bad.QuerySelector("#from")!.GetAttribute("value").ShouldBe("31-31-2026");
        bad.QuerySelector("#state-error").ShouldNotBeNull();
        bad.QuerySelector("#job-error").ShouldNotBeNull();
        (await viewer.GetAsync($"/connections/{connection}/applications?from=2026-03-02&to=2026-03-01")).Document.QuerySelector("#to-error").ShouldNotBeNull();
        (await viewer.GetAsync($"/connections/{connection}/applications?from=9999-12-31&to=0001-01-01")).Status.ShouldBe(HttpStatusCode.OK);

        // The jobs tab counts it.
        (await viewer.GetAsync($"/connections/{connection}/jobs")).Document.QuerySelector($"tr[data-job-id='{jobs[0]}'] a[href*='applications?job=']")!.TextContent.Trim().ShouldBe("1");

        var (detailStatus, detail, _) = await viewer.GetAsync($"/applications/{id}");
        detailStatus.ShouldBe(HttpStatusCode.OK);
        detail.QuerySelector("[data-testid=state]")!.TextContent.ShouldBe("Delivered");
        detail.QuerySelector("[data-testid=candidate]")!.TextContent.ShouldBe(delivered.Str("srCandidateId"));
        detail.QuerySelectorAll("[data-testid=steps] li").Select(li => li.GetAttribute("data-step")).ShouldBe(["accepted", "create", "attach-resume"]);
        detail.QuerySelector("code.sha")!.TextContent.ShouldBe(Sha256(cv));
        detail.QuerySelector("nav.tabs a[aria-current=page]")!.TextContent.ShouldBe("Applications");

        foreach (var html in viewer.Pages)
        {
            html.ShouldNotContain("chloe.tab@example.fr");
            html.ShouldNotContain("Bernard");
            html.ShouldNotContain("Chloé");
        }
    }

    [Fact]
    public async Task A_failed_application_is_retried_from_its_page_and_reaches_delivered()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        // SR closes the job after Passerelle's last sync: intake takes the application, SR refuses it.
        (await tenant.Http().PatchAsync($"/_sandbox/jobs/{jobs[0]}", Tenant.Json("""{"status":"FILLED"}"""))).EnsureSuccessStatusCode();
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("retry.page@example.fr"), Pdf(102)));
        await WaitAsync(platform, id, "Failed");
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);

        var (_, failed, _) = await manager.GetAsync($"/applications/{id}");
        failed.QuerySelector("[data-testid=state]")!.TextContent.ShouldBe("Failed");
        var problem = failed.QuerySelector("[data-testid=last-error]")!.TextContent;
        problem.ShouldContain("sr.job_not_accepting");
        problem.ShouldContain("is not accepting candidates");
        problem.ShouldContain("Reopen the job");
        (await manager.GetAsync($"/connections/{connection}/applications")).Document
            .QuerySelector($"tr[data-application-id='{id}'] .badge-bad")!.TextContent.ShouldBe("Failed");

        // The customer reopens the job; the account manager retries.
        (await tenant.Http().PatchAsync($"/_sandbox/jobs/{jobs[0]}", Tenant.Json("""{"status":"SOURCING"}"""))).EnsureSuccessStatusCode();
        var (status, _, response) = await manager.PostFormAsync($"/applications/{id}", NoFields, action: "handler=Retry");

        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe($"/applications/{id}");
        (await manager.GetAsync($"/applications/{id}")).Document.QuerySelector(".flash")!.TextContent.ShouldContain("Sent again");
        var delivered = await WaitAsync(platform, id, "Delivered");
        var retry = Steps(delivered).Single(s => s.Str("step") == "retry");
        retry.Str("actor").ShouldStartWith("user:accountmanager-");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
        (await manager.GetAsync($"/applications/{id}")).Document.QuerySelector("form[action*='handler=Retry']").ShouldBeNull();
    }

    [Fact]
    public async Task A_review_is_retried_only_with_the_checkbox_and_a_wrong_candidate_id_is_refused_inline()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        await tenant.SetFaultsAsync(new { script = new[] { "500" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("review.page@example.fr"), Pdf(103)));
        await WaitAsync(platform, id, "NeedsReview");
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);
        manager.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");

        var (status, refused, _) = await manager.PostFormAsync($"/applications/{id}", NoFields, action: "handler=Retry");

        status.ShouldBe(HttpStatusCode.OK);
        refused.QuerySelector("#ConfirmMayDuplicate-error")!.TextContent.ShouldContain("existe peut-être déjà dans SmartRecruiters");
        refused.QuerySelector("#ConfirmMayDuplicate")!.GetAttribute("aria-invalid").ShouldBe("true");
        refused.QuerySelector("[data-testid=state]")!.TextContent.ShouldBe("À vérifier");
        refused.QuerySelector("[data-testid=last-error]")!.TextContent.ShouldContain("sans réponse claire");
        (await GetAsync(platform, id)).Str("state").ShouldBe("NeedsReview");

        var (_, badId, _) = await manager.PostFormAsync($"/applications/{id}", new Dictionary<string, string> { ["SrCandidateId"] = "pas un id !" }, action: "handler=MarkDelivered");
        badId.QuerySelector("#SrCandidateId-error")!.TextContent.ShouldContain("64");
        badId.QuerySelector("#SrCandidateId")!.GetAttribute("value").ShouldBe("pas un id !");
        (await GetAsync(platform, id)).Str("state").ShouldBe("NeedsReview");

        // The 500 was not processed by SR: nothing there, so the person ticks the box.
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
        var (confirmed, _, _) = await manager.PostFormAsync($"/applications/{id}", new Dictionary<string, string> { ["ConfirmMayDuplicate"] = "true" }, action: "handler=Retry");
        confirmed.ShouldBe(HttpStatusCode.Redirect);
        var delivered = await WaitAsync(platform, id, "Delivered");
        Steps(delivered).Single(s => s.Str("step") == "retry").Str("outcome").ShouldBe("confirmed-may-duplicate");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_application_in_review_can_be_marked_delivered_with_the_candidate_found_in_sr()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        await tenant.SetFaultsAsync(new { script = new[] { "commit-then-drop" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("mark.page@example.fr"), Pdf(104)));
        await WaitAsync(platform, id, "NeedsReview");
        var candidate = (await tenant.CandidatesAsync()).ShouldHaveSingleItem()!.Str("id");
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);

        var (status, _, _) = await manager.PostFormAsync($"/applications/{id}", new Dictionary<string, string> { ["SrCandidateId"] = $"  {candidate} " }, action: "handler=MarkDelivered");

        status.ShouldBe(HttpStatusCode.Redirect);
        var (_, page, _) = await manager.GetAsync($"/applications/{id}");
        page.QuerySelector(".flash")!.TextContent.ShouldContain(candidate);
        page.QuerySelector("[data-testid=state]")!.TextContent.ShouldBe("Delivered");
        page.QuerySelector("[data-testid=candidate]")!.TextContent.ShouldBe(candidate);
        page.QuerySelector("form[action*='handler=MarkDelivered']").ShouldBeNull();
    }

    [Fact]
    public async Task A_viewer_sees_no_action_and_is_refused_a_retry_posted_anyway()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{jobs[0]}")).EnsureSuccessStatusCode();
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("viewer.page@example.fr"), Pdf(105)));
        await WaitAsync(platform, id, "Failed");
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);

        var (_, page, _) = await viewer.GetAsync($"/applications/{id}");
        page.QuerySelector("[data-testid=actions]").ShouldBeNull();
        page.QuerySelectorAll("main form").ShouldBeEmpty();
        page.QuerySelector("[data-testid=last-error]")!.TextContent.ShouldContain("sr.job_not_found");

        foreach (var handler in new[] { "Retry", "MarkDelivered", "Erase" })
        {
            var response = await PostWithTokenAsync(viewer, $"/applications/{id}?handler={handler}",
                new Dictionary<string, string> { ["ConfirmErase"] = "true", ["SrCandidateId"] = "abc", ["ConfirmMayDuplicate"] = "true" });
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, handler);
            response.Headers.Location!.OriginalString.ShouldContain("/account/denied");
        }

        var unchanged = await GetAsync(platform, id);
        unchanged.Str("state").ShouldBe("Failed");
        unchanged["erasedAt"].ShouldBeNull();
        Steps(unchanged).ShouldNotContain(s => s.Str("step") == "retry");
    }

    [Fact]
    public async Task Erasing_needs_the_confirmation_box_and_then_erases_the_data_and_files()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("erase.page@example.fr"), Pdf(106)));
        await WaitAsync(platform, id, "Delivered");
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);

        var (status, refused, _) = await manager.PostFormAsync($"/applications/{id}", NoFields, action: "handler=Erase");
        status.ShouldBe(HttpStatusCode.OK);
        refused.QuerySelector("#ConfirmErase-error")!.TextContent.ShouldContain("Tick the box");
        refused.QuerySelector("form[action*='handler=Erase']")!.GetAttribute("data-confirm").ShouldNotBeNullOrEmpty();
        (await GetAsync(platform, id))["erasedAt"].ShouldBeNull();

        var (erased, _, _) = await manager.PostFormAsync($"/applications/{id}", new Dictionary<string, string> { ["ConfirmErase"] = "true" }, action: "handler=Erase");

        erased.ShouldBe(HttpStatusCode.Redirect);
        var after = await GetAsync(platform, id);
        after["erasedAt"].ShouldNotBeNull();
        after.Str("state").ShouldBe("Delivered");
        after["files"]!.AsArray().ShouldAllBe(f => f!["deletedAt"] != null);
        var (_, page, _) = await manager.GetAsync($"/applications/{id}");
        page.QuerySelector(".flash")!.TextContent.ShouldContain("erased");
        page.QuerySelector("form[action*='handler=Erase']").ShouldBeNull();
        page.QuerySelector("[data-testid=steps] li[data-step=erase]").ShouldNotBeNull();
    }

    [Fact]
    public async Task A_disconnected_connections_application_shows_and_a_retry_says_why_it_cannot_go()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{jobs[0]}")).EnsureSuccessStatusCode();
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("gone.page@example.fr"), Pdf(107)));
        await WaitAsync(platform, id, "Failed");
        (await server.Admin().PostAsJsonAsync($"/api/v1/connections/{connection}/disconnect", new { reason = "Customer left." })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);

        var (status, page, _) = await manager.GetAsync($"/applications/{id}");
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("form[action*='handler=Retry']").ShouldBeNull();
        (await manager.GetAsync($"/connections/{connection}/applications")).Status.ShouldBe(HttpStatusCode.OK);
        (await manager.GetAsync($"/connections/{connection}/jobs")).Status.ShouldBe(HttpStatusCode.OK);

        var response = await PostWithTokenAsync(manager, $"/applications/{id}?handler=Retry", NoFields);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        answer.QuerySelector("[data-testid=retry-error]")!.TextContent.ShouldContain("The connection is disconnected");
        (await GetAsync(platform, id)).Str("state").ShouldBe("Failed");
    }

    [Fact]
    public async Task Unknown_ids_are_pages_not_found()
    {
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);
        foreach (var url in new[]
                 {
                     $"/applications/{Guid.NewGuid()}", $"/connections/{Guid.NewGuid()}/jobs", $"/connections/{Guid.NewGuid()}/applications",
                     "/applications/not-a-guid", "/connections/not-a-guid/jobs",
                 })
        {
            var (status, page, _) = await manager.GetAsync(url);
            status.ShouldBe(HttpStatusCode.NotFound, url);
            page.QuerySelector("h1")!.TextContent.ShouldBe("Page not found");
        }

        var response = await PostWithTokenAsync(manager, $"/applications/{Guid.NewGuid()}?handler=Retry", NoFields);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_pages_speak_french_to_a_french_browser()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("fr.page@example.fr"), Pdf(108)));
        await WaitAsync(platform, id, "Delivered");
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);
        manager.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR,fr;q=0.9");

        var (_, jobsPage, _) = await manager.GetAsync($"/connections/{connection}/jobs");
        jobsPage.QuerySelector("html")!.GetAttribute("lang").ShouldBe("fr");
        jobsPage.QuerySelector("h1")!.TextContent.ShouldBe("Offres d'emploi");
        jobsPage.QuerySelector("[data-testid=job-count]")!.TextContent.ShouldBe("1 offre d'emploi");
        jobsPage.QuerySelector("label[for=open]")!.TextContent.ShouldBe("Offres ouvertes seulement");
        jobsPage.QuerySelector($"tr[data-job-id='{jobs[0]}'] .badge")!.TextContent.ShouldBe("En recherche");

        var (_, list, _) = await manager.GetAsync($"/connections/{connection}/applications");
        list.QuerySelector("h1")!.TextContent.ShouldBe("Candidatures");
        list.QuerySelector($"tr[data-application-id='{id}'] .badge")!.TextContent.ShouldBe("Transmise");
        list.QuerySelector("[data-testid=privacy-note]")!.TextContent.ShouldContain("chiffrés");

        var (_, detail, _) = await manager.GetAsync($"/applications/{id}");
        detail.QuerySelector("h2#steps-title")!.TextContent.ShouldBe("Étapes");
        detail.QuerySelector("label[for=ConfirmErase]")!.TextContent.ShouldContain("effacés définitivement");
        detail.QuerySelector("[data-testid=steps] li[data-step=accepted]")!.TextContent.ShouldContain("Reçue");
    }

    private static List<string> JobIds(IHtmlDocument page) =>
        [.. page.QuerySelectorAll("tr[data-job-id]").Select(r => r.GetAttribute("data-job-id")!)];

    /// <summary>A form post a page does not offer (a viewer's, or to an unknown id), with the session's antiforgery token from a page that has one.</summary>
    private static async Task<HttpResponseMessage> PostWithTokenAsync(ConsoleClient client, string url, IDictionary<string, string> fields)
    {
        var (_, page, _) = await client.GetAsync("/account/password");
        var token = page.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        return await client.Http.PostAsync(url, new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields]));
    }
}
