using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Core.Webhooks;

namespace Passerelle.Server.Tests.Console;

public sealed class AdminPageTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private async Task<Guid> SubscriptionAsync()
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var subscription = new WebhookSubscription
        {
            Url = "https://hooks.example.org/" + Guid.NewGuid().ToString("N"), ProtectedSecret = "x", CreatedAt = TimeProvider.System.GetUtcNow(),
            CreatedBy = "test", UpdatedAt = TimeProvider.System.GetUtcNow(),
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync();
        return subscription.Id;
    }

    [Theory]
    [InlineData(ConsoleRole.Viewer)]
    [InlineData(ConsoleRole.AccountManager)]
    public async Task Every_admin_page_is_refused_below_the_admin_role(ConsoleRole role)
    {
        var client = await server.SignedInAsync(role);
        foreach (var page in new[] { "/admin/api-keys", "/admin/webhooks", "/admin/users", $"/admin/webhooks/{await SubscriptionAsync()}" })
        {
            var (status, _, response) = await client.GetAsync(page);
            (status == HttpStatusCode.Forbidden || (status == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/account/denied", StringComparison.Ordinal)))
                .ShouldBeTrue($"{page} answered {status} {response.Headers.Location} to a {role}");
        }

        // Posting is refused too, even with a valid token from a page the user may see.
        var (_, activity, _) = await client.GetAsync("/activity");
        var token = activity.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var post = await client.Http.PostAsync("/admin/users?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["UserName"] = "intruder", ["Role"] = "Admin",
        }));
        post.StatusCode.ShouldBeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.Redirect);
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Users.Any(u => u.UserName == "intruder").ShouldBeFalse();
    }

    [Fact]
    public async Task Every_admin_page_opens_for_an_admin()
    {
        var client = await server.SignedInAsync(ConsoleRole.Admin);
        foreach (var page in new[] { "/admin/api-keys", "/admin/webhooks", "/admin/users", $"/admin/webhooks/{await SubscriptionAsync()}" })
        {
            var (status, document, _) = await client.GetAsync(page);
            status.ShouldBe(HttpStatusCode.OK, page);
            document.QuerySelector("h1").ShouldNotBeNull();
        }

        (await client.GetAsync($"/admin/webhooks/{Guid.NewGuid()}")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_new_api_key_is_shown_once_and_works_against_the_api()
    {
        var client = await server.SignedInAsync(ConsoleRole.Admin);
        var name = "console " + Guid.NewGuid().ToString("N")[..8];
        var (status, created, _) = await client.PostFormAsync("/admin/api-keys", new Dictionary<string, string> { ["Name"] = name, ["Role"] = "Admin" }, action: "handler=Create");
        status.ShouldBe(HttpStatusCode.OK);
        var key = created.QuerySelector("#new-key.secret-once")!.TextContent.Trim();
        key.ShouldStartWith("psl_");
        created.QuerySelector("[data-copy=new-key]").ShouldNotBeNull();
        created.QuerySelector("[data-testid=created-key] .alert")!.TextContent.ShouldContain("never be shown again");

        var api = server.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var keys = await api.GetAsync("/api/v1/api-keys");
        keys.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await keys.Content.ReadAsStringAsync()).ShouldContain(name);

        var (_, list, _) = await client.GetAsync("/admin/api-keys");
        list.DocumentElement.OuterHtml.ShouldNotContain(key);
        list.QuerySelector("#new-key").ShouldBeNull();
        list.QuerySelectorAll("tbody th[scope=row]").Select(th => th.TextContent).ShouldContain(name);

        // A duplicate name is refused inline, with the values kept.
        var (_, duplicate, _) = await client.PostFormAsync("/admin/api-keys", new Dictionary<string, string> { ["Name"] = name, ["Role"] = "Platform" }, action: "handler=Create");
        duplicate.QuerySelector("#Name-error")!.TextContent.ShouldContain("already named");
        duplicate.QuerySelector("#Name")!.GetAttribute("aria-invalid").ShouldBe("true");
        duplicate.QuerySelector("#Name")!.GetAttribute("value").ShouldBe(name);
        duplicate.QuerySelector("#Role option[selected]")!.GetAttribute("value").ShouldBe("Platform");

        // Revoking needs the ticked box; then the key stops working.
        var id = list.QuerySelectorAll("tbody tr").Single(tr => tr.QuerySelector("th")!.TextContent == name).GetAttribute("data-key-id")!;
        var (_, unconfirmed, _) = await client.PostFormAsync("/admin/api-keys", new Dictionary<string, string>(), action: $"id={id}");
        unconfirmed.QuerySelector($"#revoke-error-{id}").ShouldNotBeNull();
        (await api.GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (revoked, _, _) = await client.PostFormAsync("/admin/api-keys", new Dictionary<string, string> { ["confirm"] = "true" }, action: $"id={id}");
        revoked.ShouldBe(HttpStatusCode.Redirect);
        (await api.GetAsync("/api/v1/api-keys")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_webhook_subscription_with_a_bad_url_gets_an_inline_error_and_keeps_the_values()
    {
        var client = await server.SignedInAsync(ConsoleRole.Admin);
        var (status, document, _) = await client.PostFormAsync("/admin/webhooks", new Dictionary<string, string>
        {
            ["Url"] = "ftp://hooks.example.org/in", ["Description"] = "Recette", ["EventTypes"] = EventTypes.JobCreated,
        }, action: "handler=Create");
        status.ShouldBe(HttpStatusCode.OK);
        document.QuerySelector("#Url-error.field-error")!.TextContent.ShouldContain("HTTPS");
        document.QuerySelector("#Url")!.GetAttribute("aria-invalid").ShouldBe("true");
        document.QuerySelector("#Url")!.GetAttribute("value").ShouldBe("ftp://hooks.example.org/in");
        document.QuerySelector("#Description")!.GetAttribute("value").ShouldBe("Recette");
        document.QuerySelector($"input[value='{EventTypes.JobCreated}']")!.HasAttribute("checked").ShouldBeTrue();

        var (_, local, _) = await client.PostFormAsync("/admin/webhooks", new Dictionary<string, string> { ["Url"] = "https://10.0.0.7/in" }, action: "handler=Create");
        local.QuerySelector("#Url-error")!.TextContent.ShouldContain("private network");

        var (_, created, _) = await client.PostFormAsync("/admin/webhooks", new Dictionary<string, string> { ["Url"] = "https://hooks.example.org/passerelle" }, action: "handler=Create");
        var secret = created.QuerySelector("#signing-secret.secret-once")!.TextContent.Trim();
        secret.Length.ShouldBeGreaterThan(20);
        var (_, list, _) = await client.GetAsync("/admin/webhooks");
        list.DocumentElement.OuterHtml.ShouldNotContain(secret);
        list.QuerySelectorAll("tbody a[href^='/admin/webhooks/']").Select(a => a.TextContent).ShouldContain("https://hooks.example.org/passerelle");
    }

    [Fact]
    public async Task A_user_created_on_the_page_signs_in_with_the_shown_password_and_must_change_it()
    {
        var admin = await server.SignedInAsync(ConsoleRole.Admin);
        var name = "claire." + Guid.NewGuid().ToString("N")[..6];
        var (_, created, _) = await admin.PostFormAsync("/admin/users", new Dictionary<string, string> { ["UserName"] = name, ["Role"] = "AccountManager" }, action: "handler=Create");
        var password = created.QuerySelector("#one-time-password.secret-once")!.TextContent.Trim();
        password.Length.ShouldBe(20);

        var (_, list, _) = await admin.GetAsync("/admin/users");
        list.DocumentElement.OuterHtml.ShouldNotContain(password);
        list.QuerySelector($"tr[data-user='{name}']").ShouldNotBeNull();

        var person = server.Anonymous();
        (await person.SignInAsync(name, password)).ShouldBe(HttpStatusCode.Redirect);
        var (status, _, response) = await person.GetAsync("/connections");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe("/account/password");

        var (_, bad, _) = await admin.PostFormAsync("/admin/users", new Dictionary<string, string> { ["UserName"] = "Élodie!", ["Role"] = "" }, action: "handler=Create");
        bad.QuerySelector("#UserName-error").ShouldNotBeNull();
        bad.QuerySelector("#Role-error").ShouldNotBeNull();
        bad.QuerySelector("#UserName")!.GetAttribute("value").ShouldBe("Élodie!");
    }

    [Fact]
    public async Task An_admin_can_neither_disable_nor_demote_themselves()
    {
        var (name, password) = await server.UserAsync(ConsoleRole.Admin);
        var client = server.Anonymous();
        (await client.SignInAsync(name, password)).ShouldBe(HttpStatusCode.Redirect);
        Guid id;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            id = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Users.Single(u => u.UserName == name).Id;
        }

        var (_, users, _) = await client.GetAsync("/admin/users");
        string ActionOf(string handler) => users.QuerySelectorAll("main form").Select(f => f.GetAttribute("action") ?? "")
            .Single(a => a.Contains($"handler={handler}", StringComparison.Ordinal) && a.Contains($"id={id}", StringComparison.Ordinal));
        var (status, disabled, _) = await client.PostFormAsync("/admin/users", new Dictionary<string, string> { ["confirm"] = "true" }, action: ActionOf("Disable"));
        status.ShouldBe(HttpStatusCode.OK);
        disabled.QuerySelector($"#row-error-{id}")!.TextContent.ShouldContain("cannot disable your own account");
        var (_, demoted, _) = await client.PostFormAsync("/admin/users", new Dictionary<string, string> { ["newRole"] = "Viewer" }, action: ActionOf("Role"));
        demoted.QuerySelector($"#row-error-{id}")!.TextContent.ShouldContain("cannot take the admin role from yourself");

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var user = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Users.Single(u => u.Id == id);
            user.DisabledAt.ShouldBeNull();
            user.Role.ShouldBe(ConsoleRole.Admin);
        }

        (await client.GetAsync("/admin/users")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_admin_pages_read_in_french()
    {
        var client = await server.SignedInAsync(ConsoleRole.Admin);
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        (await client.GetAsync("/admin/api-keys")).Document.QuerySelector("h1")!.TextContent.ShouldBe("Clés d'API");
        (await client.GetAsync("/admin/webhooks")).Document.QuerySelector("h1")!.TextContent.ShouldBe("Abonnements webhook");
        (await client.GetAsync("/admin/users")).Document.QuerySelector("h1")!.TextContent.ShouldBe("Utilisateurs de la console");
        var (_, bad, _) = await client.PostFormAsync("/admin/webhooks", new Dictionary<string, string> { ["Url"] = "pas une url" }, action: "handler=Create");
        bad.QuerySelector("#Url-error")!.TextContent.ShouldContain("Une URL HTTPS absolue");
    }
}

[Collection(Browser.Collection)]
public sealed class AdminBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task An_admin_creates_a_key_and_sees_the_users()
    {
        var (name, password) = await server.UserAsync(ConsoleRole.Admin);
        var (page, _) = await browser.NewPageAsync(server.RootUri, locale: "fr-FR");
        await Browser.SignInAsync(page, "/admin/api-keys", name, password);
        await page.Locator("#Name").FillAsync("hippolyte-rh recette");
        await page.Locator("#Role").SelectOptionAsync("Platform");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la clé" }).ClickAsync();
        await page.Locator("#new-key").WaitForAsync();
        (await page.Locator("#new-key").TextContentAsync())!.Trim().ShouldStartWith("psl_");
        await Browser.ScreenshotAsync(page, "admin-api-keys");

        await page.GotoAsync("/admin/users");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Utilisateurs de la console");
        await Browser.ScreenshotAsync(page, "admin-users");
    }
}
