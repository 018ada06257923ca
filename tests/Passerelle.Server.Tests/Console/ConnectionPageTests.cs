using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Applications;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

public sealed class ConnectionPageTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private static string NewName() => $"Client {Guid.NewGuid():N}"[..20];

    private async Task<(HttpStatusCode Status, IHtmlDocument Document, HttpResponseMessage Response)> CreateAsync(
        ConsoleClient client, Tenant tenant, string? secret = null, string? displayName = null, string? baseUrl = null) =>
        await client.PostFormAsync("/connections/new", new Dictionary<string, string>
        {
            ["DisplayName"] = displayName ?? NewName(),
            ["CustomerName"] = "Maison Azur",
            ["ClientId"] = tenant.ClientId,
            ["ClientSecret"] = secret ?? tenant.ClientSecret,
            ["CompanyIdentifier"] = tenant.Company,
            ["BaseUrl"] = baseUrl ?? server.SandboxUrl.AbsoluteUri,
            ["Tags"] = "hippolyte-rh, test",
        });

    /// <summary>Creates through the form and opens the detail page it redirects to.</summary>
    private async Task<(Guid Id, IHtmlDocument Detail)> CreatedAsync(ConsoleClient client, Tenant tenant, string? secret = null, string? displayName = null)
    {
        var (status, _, response) = await CreateAsync(client, tenant, secret, displayName);
        status.ShouldBe(HttpStatusCode.Redirect);
        var location = response.Headers.Location!.ToString();
        location.ShouldStartWith("/connections/");
        var (detailStatus, detail, _) = await client.GetAsync(location);
        detailStatus.ShouldBe(HttpStatusCode.OK);
        return (Guid.Parse(location["/connections/".Length..]), detail);
    }

    private async Task<T> DbAsync<T>(Func<PasserelleDbContext, Task<T>> read)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<PasserelleDbContext>());
    }

    private static void ShouldNotHaveShown(ConsoleClient client, string secret) =>
        client.Pages.ShouldAllBe(html => !html.Contains(secret, StringComparison.Ordinal));

    [Fact]
    public async Task An_over_privileged_credential_is_saved_with_a_least_privilege_warning_naming_the_extra_scope_by_its_prompt()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read");
        await tenant.AddJobIdAsync();

        var (id, detail) = await CreatedAsync(client, tenant);

        detail.QuerySelector("[data-testid=status]")!.TextContent.ShouldBe("Active");
        detail.QuerySelector("[data-testid=least-privilege]").ShouldNotBeNull();
        var warning = detail.QuerySelector("[data-testid=warnings] [data-code='extra_scope:candidates_read']")!.TextContent;
        warning.ShouldContain("'Access Candidates'");
        warning.ShouldContain("untick 'Access Candidates'");
        detail.QuerySelector("[data-testid=extra-scopes]")!.TextContent.ShouldContain("Access Candidates");
        detail.QuerySelector("[data-testid=just-probed]")!.TextContent.ShouldContain("saved");
        detail.QuerySelector("[data-testid=probe-history]")!.TextContent.ShouldContain("Created and tested");

        var (_, list, _) = await client.GetAsync("/connections?status=warning");
        list.QuerySelector($"tr[data-connection='{id}'] [data-testid=least-privilege]")!.TextContent.ShouldBe("Extra permissions");
        ShouldNotHaveShown(client, tenant.ClientSecret);
    }

    [Fact]
    public async Task A_wrong_secret_is_saved_needing_attention_with_the_rotate_remedy_and_a_good_rotation_fixes_it()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();
        const string wrong = "not-the-secret-0123456789";

        var (id, detail) = await CreatedAsync(client, tenant, secret: wrong);

        detail.QuerySelector("[data-testid=status]")!.TextContent.ShouldBe("Identifiants refusés");
        var problem = detail.QuerySelector("[data-testid=problems] [data-code=credentials_invalid]")!.TextContent;
        problem.ShouldContain("SmartRecruiters a refusé le Client ID et le Client Secret.");
        problem.ShouldContain("remplacez le secret ici");
        detail.QuerySelector("[data-testid=rotate-link]")!.GetAttribute("href").ShouldBe("#rotate");
        detail.QuerySelector("details#rotate")!.HasAttribute("open").ShouldBeTrue();

        var (status, _, response) = await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string> { ["NewSecret"] = tenant.ClientSecret }, action: "handler=Rotate");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe($"/connections/{id}");
        var (_, fixedPage, _) = await client.GetAsync($"/connections/{id}");
        fixedPage.QuerySelector("[data-testid=status]")!.TextContent.ShouldBe("Active");
        fixedPage.QuerySelector("[data-testid=problems]").ShouldBeNull();
        ShouldNotHaveShown(client, tenant.ClientSecret);
        ShouldNotHaveShown(client, wrong);
    }

    [Fact]
    public async Task A_rotation_to_a_refused_secret_keeps_the_old_one_and_shows_the_remedy()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();
        var (id, _) = await CreatedAsync(client, tenant);
        var before = await DbAsync(db => db.Connections.AsNoTracking().SingleAsync(c => c.Id == new ConnectionId(id)));
        const string wrong = "rotated-but-wrong-987654321";

        var (status, page, _) = await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string> { ["NewSecret"] = wrong }, action: "handler=Rotate");

        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#NewSecret-error")!.TextContent.ShouldContain("the old one is kept");
        page.QuerySelector("#NewSecret")!.GetAttribute("aria-invalid").ShouldBe("true");
        page.QuerySelector("#NewSecret")!.HasAttribute("value").ShouldBeFalse();
        page.QuerySelector("[data-testid=rotation-refused] [data-code=credentials_invalid]")!.TextContent.ShouldContain("rotate the secret here");
        var after = await DbAsync(db => db.Connections.AsNoTracking().SingleAsync(c => c.Id == new ConnectionId(id)));
        after.ProtectedSecret.ShouldBe(before.ProtectedSecret);
        after.Status.ShouldBe(ConnectionStatus.Active);
        (await DbAsync(db => db.ConnectionAudit.Where(a => a.ConnectionId == new ConnectionId(id)).Select(a => a.Action).ToListAsync()))
            .ShouldBe(["created", "secret_rotation_refused"]);

        // The old secret still works.
        (await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string>(), action: "handler=Test")).Status.ShouldBe(HttpStatusCode.Redirect);
        (await client.GetAsync($"/connections/{id}")).Document.QuerySelector("[data-testid=status]")!.TextContent.ShouldBe("Active");
        ShouldNotHaveShown(client, wrong);
        ShouldNotHaveShown(client, tenant.ClientSecret);
    }

    [Fact]
    public async Task Bad_input_is_refused_inline_in_french_with_the_values_kept_but_never_the_secret()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        const string secret = "typed-secret-5551234";
        var (status, page, _) = await client.PostFormAsync("/connections/new", new Dictionary<string, string>
        {
            ["DisplayName"] = "  ",
            ["CustomerName"] = "Maison Azur",
            ["ClientId"] = "client-1",
            ["ClientSecret"] = secret,
            ["CompanyIdentifier"] = "pas un identifiant",
            ["BaseUrl"] = "http://example.com/",
            ["Tags"] = string.Join(",", Enumerable.Range(0, 21).Select(i => "t" + i)),
        });

        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#DisplayName-error")!.TextContent.ShouldBe("⚠ Le nom affiché est obligatoire.".TrimStart('⚠', ' '));
        page.QuerySelector("#DisplayName")!.GetAttribute("aria-invalid").ShouldBe("true");
        page.QuerySelector("#DisplayName")!.GetAttribute("aria-describedby")!.ShouldContain("DisplayName-error");
        page.QuerySelector("#CompanyIdentifier-error")!.TextContent.ShouldContain("lettres, chiffres");
        page.QuerySelector("#BaseUrl-error")!.TextContent.ShouldContain("HTTPS");
        page.QuerySelector("#Tags-error")!.TextContent.ShouldContain("étiquettes");
        page.QuerySelector("main details")!.HasAttribute("open").ShouldBeTrue();
        page.QuerySelector("#CustomerName")!.GetAttribute("value").ShouldBe("Maison Azur");
        page.QuerySelector("#ClientSecret")!.GetAttribute("type").ShouldBe("password");
        page.QuerySelector("#ClientSecret")!.HasAttribute("value").ShouldBeFalse();
        page.QuerySelector("#ClientSecret-error").ShouldBeNull();
        ShouldNotHaveShown(client, secret);
        (await DbAsync(db => db.Connections.AnyAsync(c => c.ClientId == "client-1"))).ShouldBeFalse();
    }

    [Fact]
    public async Task A_display_name_already_taken_is_refused_inline()
    {
        var client = await server.SignedInAsync(ConsoleRole.Admin);
        var tenant = await server.Sandbox.NewTenantAsync();
        var name = NewName();
        await CreatedAsync(client, tenant, displayName: name);

        var (status, page, _) = await CreateAsync(client, tenant, displayName: name);

        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#DisplayName-error")!.TextContent.ShouldContain($"already named '{name}'");
        (await DbAsync(db => db.Connections.CountAsync(c => c.DisplayName == name))).ShouldBe(1);
    }

    [Fact]
    public async Task A_viewer_sees_no_new_connection_button_and_cannot_post_the_form()
    {
        var manager = await server.SignedInAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync();
        var (id, _) = await CreatedAsync(manager, tenant);
        var viewer = await server.SignedInAsync(ConsoleRole.Viewer);

        var (listStatus, list, _) = await viewer.GetAsync("/connections");
        listStatus.ShouldBe(HttpStatusCode.OK);
        list.QuerySelector("[data-testid=new-connection]").ShouldBeNull();
        (await manager.GetAsync("/connections")).Document.QuerySelector("[data-testid=new-connection]").ShouldNotBeNull();

        var (newStatus, newPage, _) = await viewer.GetAsync("/connections/new");
        newStatus.ShouldBe(HttpStatusCode.OK);
        newPage.QuerySelector("[data-testid=not-allowed]").ShouldNotBeNull();
        newPage.QuerySelector("main form").ShouldBeNull();

        // A viewer's token is good (from a page they may read), the role is not.
        var (_, settings, _) = await viewer.GetAsync($"/connections/{id}/settings");
        var token = settings.QuerySelector("main form input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var posted = await viewer.Http.PostAsync("/connections/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["DisplayName"] = NewName(), ["CustomerName"] = "x", ["ClientId"] = tenant.ClientId,
            ["ClientSecret"] = tenant.ClientSecret, ["CompanyIdentifier"] = tenant.Company, ["BaseUrl"] = server.SandboxUrl.AbsoluteUri,
        }));
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        posted.Headers.Location!.ToString().ShouldContain("/account/denied");

        var (settingsStatus, _, settingsResponse) = await viewer.PostFormAsync($"/connections/{id}/settings", new Dictionary<string, string> { ["DisplayName"] = "renamed" });
        settingsStatus.ShouldBe(HttpStatusCode.Redirect);
        settingsResponse.Headers.Location!.ToString().ShouldContain("/account/denied");
        (await viewer.GetAsync($"/connections/{id}")).Document.QuerySelector("form[action*='handler=Disconnect']").ShouldBeNull();
        (await DbAsync(db => db.Connections.CountAsync(c => c.ClientId == tenant.ClientId))).ShouldBe(1);
    }

    [Fact]
    public async Task Disconnecting_requires_typing_the_display_name_then_erases_the_secret()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync();
        var name = NewName();
        var (id, _) = await CreatedAsync(client, tenant, displayName: name);

        var (status, page, _) = await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string> { ["Reason"] = "Fin de contrat", ["ConfirmName"] = "oui" }, action: "handler=Disconnect");
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#ConfirmName-error")!.TextContent.ShouldContain(name);
        page.QuerySelector("#Reason")!.GetAttribute("value").ShouldBe("Fin de contrat");
        (await DbAsync(db => db.Connections.SingleAsync(c => c.Id == new ConnectionId(id)))).Status.ShouldBe(ConnectionStatus.Active);

        var (done, _, _) = await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string> { ["Reason"] = "Fin de contrat", ["ConfirmName"] = name }, action: "handler=Disconnect");
        done.ShouldBe(HttpStatusCode.Redirect);
        var connection = await DbAsync(db => db.Connections.SingleAsync(c => c.Id == new ConnectionId(id)));
        connection.Status.ShouldBe(ConnectionStatus.Disconnected);
        connection.ProtectedSecret.ShouldBeNull();
        var (_, detail, _) = await client.GetAsync($"/connections/{id}");
        detail.QuerySelector("[data-testid=disconnected]")!.TextContent.ShouldContain("Fin de contrat");
        detail.QuerySelector("form[action*='handler=Rotate']").ShouldBeNull();
    }

    [Fact]
    public async Task The_list_shows_the_health_badge_and_the_counts_from_grouped_queries()
    {
        var id = ConnectionId.New();
        var name = NewName();
        var now = TimeProvider.System.GetUtcNow();
        await DbAsync(async db =>
        {
            db.Connections.Add(new Connection
            {
                Id = id, DisplayName = name, CustomerName = "Brasserie Lune", CompanyIdentifier = "lune", ClientId = "client-lune", BaseUrl = "https://api.smartrecruiters.com/",
                Status = ConnectionStatus.NeedsAttention, AttentionReason = AttentionReason.ScopeMissing, CreatedAt = now, CreatedBy = "test", UpdatedAt = now, UpdatedBy = "test",
            });
            foreach (var (job, closed, status) in new[] { ("j1", false, "SOURCING"), ("j2", false, "FILLED"), ("j3", true, "SOURCING"), ("j4", false, "SOURCING") })
            {
                db.JobOffers.Add(new JobOffer { ConnectionId = id, SrJobId = job, Status = status, IsClosed = closed, RawJson = "{}", FirstSeenAt = now, LastSyncedAt = now });
            }

            foreach (var state in new[] { ApplicationState.Queued, ApplicationState.Retrying, ApplicationState.CandidateCreated, ApplicationState.Failed, ApplicationState.NeedsReview, ApplicationState.NeedsReview, ApplicationState.Delivered })
            {
                db.Applications.Add(new Application { ConnectionId = id, RequestHash = Guid.NewGuid().ToString("N"), State = state, AcceptedAt = now, AcceptedBy = "test", UpdatedAt = now });
            }

            db.SyncRuns.Add(new SyncRun { ConnectionId = id, State = SyncRunState.Finished, RequestedAt = now.AddHours(-3), StartedAt = now.AddHours(-3), FinishedAt = now.AddHours(-3), Complete = true });
            db.SyncRuns.Add(new SyncRun { ConnectionId = id, State = SyncRunState.Finished, RequestedAt = now.AddMinutes(-10), StartedAt = now.AddMinutes(-10), FinishedAt = now.AddMinutes(-9), Complete = true });
            await db.SaveChangesAsync();
            return true;
        });
        var client = await server.SignedInAsync(ConsoleRole.Viewer);

        var (status, list, _) = await client.GetAsync("/connections?q=LUNE&status=attention");

        status.ShouldBe(HttpStatusCode.OK);
        var row = list.QuerySelector($"tr[data-connection='{id}']")!;
        row.QuerySelector("[data-testid=status]")!.TextContent.ShouldBe("Permission missing");
        row.QuerySelector("[data-testid=least-privilege]").ShouldBeNull();
        row.QuerySelector("[data-testid=jobs]")!.TextContent.ShouldBe("2 / 4");
        row.QuerySelector("[data-testid=waiting]")!.TextContent.ShouldBe("3");
        row.QuerySelector("[data-testid=failed]")!.TextContent.ShouldBe("1");
        row.QuerySelector("[data-testid=review]")!.TextContent.ShouldBe("2");
        row.TextContent.ShouldContain("9 min ago");
        list.QuerySelectorAll("tbody tr").Length.ShouldBe(1);
        (await client.GetAsync("/connections?q=lune&status=active")).Document.QuerySelector($"tr[data-connection='{id}']").ShouldBeNull();
        (await client.GetAsync("/connections?status=%3Cscript%3E&q=" + new string('x', 5000))).Status.ShouldBe(HttpStatusCode.OK);

        // The overview names the reason with its remedy, from the reason alone when no probe was stored.
        var (_, detail, _) = await client.GetAsync($"/connections/{id}");
        detail.QuerySelector("[data-testid=problems]")!.TextContent.ShouldContain("tick");
    }

    [Fact]
    public async Task Sync_now_queues_a_run_shown_on_the_sync_runs_page_and_settings_are_validated_then_saved()
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        var tenant = await server.Sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();
        var (id, _) = await CreatedAsync(client, tenant);

        var (status, _, response) = await client.PostFormAsync($"/connections/{id}", new Dictionary<string, string> { ["Kind"] = "full" }, action: "handler=Sync");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe($"/connections/{id}/syncs");
        var (_, runs, _) = await client.GetAsync($"/connections/{id}/syncs");
        runs.QuerySelectorAll("[data-testid=sync-runs] tbody tr").Length.ShouldBeGreaterThanOrEqualTo(1);

        var (bad, page, _) = await client.PostFormAsync($"/connections/{id}/settings", new Dictionary<string, string>
        {
            ["DisplayName"] = "", ["CustomerName"] = "Maison Azur", ["Tags"] = "a, b", ["SyncMinutes"] = "abc", ["FullSyncMinutes"] = "2", ["DeliveryMode"] = "Fax",
        });
        bad.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#DisplayName-error").ShouldNotBeNull();
        page.QuerySelector("#SyncMinutes-error")!.TextContent.ShouldContain("minutes");
        page.QuerySelector("#FullSyncMinutes-error").ShouldNotBeNull();
        page.QuerySelector("#DeliveryMode-error").ShouldNotBeNull();
        page.QuerySelector("#SyncMinutes")!.GetAttribute("value").ShouldBe("abc");

        var (shorter, shorterPage, _) = await client.PostFormAsync($"/connections/{id}/settings", new Dictionary<string, string>
        {
            ["DisplayName"] = "Renamed " + id.ToString("N")[..8], ["CustomerName"] = "Maison Azur", ["SyncMinutes"] = "60", ["FullSyncMinutes"] = "30", ["DeliveryMode"] = "Json",
        });
        shorter.ShouldBe(HttpStatusCode.OK);
        shorterPage.QuerySelector("#FullSyncMinutes-error")!.TextContent.ShouldContain("cannot be shorter");

        var (saved, _, _) = await client.PostFormAsync($"/connections/{id}/settings", new Dictionary<string, string>
        {
            ["DisplayName"] = "Renamed " + id.ToString("N")[..8], ["CustomerName"] = "Maison Azur", ["Tags"] = "a, b", ["SourceId"] = "hippolyte",
            ["SyncMinutes"] = "15", ["FullSyncMinutes"] = "", ["DeliveryMode"] = "ResumeParsing",
        });
        saved.ShouldBe(HttpStatusCode.Redirect);
        var connection = await DbAsync(db => db.Connections.AsNoTracking().SingleAsync(c => c.Id == new ConnectionId(id)));
        connection.DisplayName.ShouldStartWith("Renamed ");
        connection.Tags.ShouldBe(["a", "b"]);
        connection.SourceId.ShouldBe("hippolyte");
        connection.SyncInterval.ShouldBe(TimeSpan.FromMinutes(15));
        connection.FullSyncInterval.ShouldBeNull();
        connection.DeliveryMode.ShouldBe(DeliveryMode.ResumeParsing);

        var (_, audit, _) = await client.GetAsync($"/connections/{id}/audit");
        audit.QuerySelector("[data-action=settings_changed]")!.TextContent.ShouldContain("Settings changed");
    }

    [Theory]
    [InlineData("")]
    [InlineData("/syncs")]
    [InlineData("/settings")]
    [InlineData("/audit")]
    public async Task An_unknown_connection_is_a_404_page(string tab)
    {
        var client = await server.SignedInAsync(ConsoleRole.AccountManager);
        var (status, page, _) = await client.GetAsync($"/connections/{Guid.NewGuid()}{tab}");
        status.ShouldBe(HttpStatusCode.NotFound);
        page.QuerySelector("h1")!.TextContent.ShouldBe("Page not found");
        (await client.GetAsync("/connections/not-a-guid" + tab)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/connections/{Guid.NewGuid()}/syncs?p=-4")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
