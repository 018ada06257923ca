using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

/// <summary>
/// Properties of every page at once: the routes come from the server's own endpoint table, so a page added later is
/// covered without anyone remembering to add it here (and a route parameter this test cannot fill fails it).
/// </summary>
public sealed partial class ConsoleSecurityTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private static readonly string[] PublicPrefixes = ["careers", "account/sign-in", "account/denied", "error"];

    private IReadOnlyList<string> PageRoutes() =>
        [.. server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .Distinct()
            .Order()];

    [Fact]
    public async Task Every_console_page_sends_a_visitor_who_is_not_signed_in_to_the_sign_in_page()
    {
        var routes = PageRoutes().Where(r => !PublicPrefixes.Any(p => r.StartsWith(p, StringComparison.Ordinal))).ToList();
        routes.Count.ShouldBeGreaterThan(10);
        var anonymous = server.Anonymous();
        foreach (var route in routes)
        {
            var url = "/" + Fill(route, new Ids(Guid.NewGuid(), Guid.NewGuid(), "job-1", "Company", Guid.NewGuid()));
            var (status, _, response) = await anonymous.GetAsync(url);
            status.ShouldBe(HttpStatusCode.Redirect, url);
            response.Headers.Location!.AbsolutePath.ShouldBe("/account/sign-in", url);
        }
    }

    [Fact]
    public async Task Every_admin_page_is_refused_to_viewers_and_account_managers()
    {
        var routes = PageRoutes().Where(r => r.StartsWith("admin", StringComparison.Ordinal)).ToList();
        routes.Count.ShouldBeGreaterThanOrEqualTo(3);
        foreach (var role in new[] { ConsoleRole.Viewer, ConsoleRole.AccountManager })
        {
            var client = await server.SignedInAsync(role);
            foreach (var route in routes)
            {
                var url = "/" + Fill(route, new Ids(Guid.NewGuid(), Guid.NewGuid(), "job-1", "Company", Guid.NewGuid()));
                var (status, _, response) = await client.GetAsync(url);
                status.ShouldBe(HttpStatusCode.Redirect, $"{role} {url}");
                response.Headers.Location!.AbsolutePath.ShouldBe("/account/denied", $"{role} {url}");
            }
        }

        var admin = await server.SignedInAsync(ConsoleRole.Admin);
        foreach (var route in routes.Where(r => !r.Contains('{', StringComparison.Ordinal)))
        {
            (await admin.GetAsync("/" + route)).Status.ShouldBe(HttpStatusCode.OK, route);
        }
    }

    [Fact]
    public async Task No_page_ever_shows_a_client_secret_an_api_key_a_webhook_secret_or_an_applicant()
    {
        // A connection with jobs and a delivered application, a platform key, a webhook subscription: every secret
        // Passerelle holds, created through the API, then every page visited with real ids.
        var tenant = await server.Sandbox.NewTenantAsync();
        var adminApi = server.Admin();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant, jobs: 2, admin: adminApi);
        var platformKey = (await (await adminApi.PostAsJsonAsync("/api/v1/api-keys", new { name = "tour-" + Guid.NewGuid().ToString("N")[..8], role = "platform" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("key");
        var webhook = await (await adminApi.PostAsJsonAsync("/api/v1/webhook-subscriptions", new { url = "https://hooks.example.test/passerelle", description = "tour" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var webhookSecret = webhook.Str("secret");

        var applicant = TestApplicant.Random(new Random(11), "tour-1");
        var accepted = await (await adminApi.PostAsync($"/api/v1/connections/{connectionId}/jobs/{jobs[0]}/applications",
            Applications.Form(applicant.Json(), Applications.Pdf(11)))).ShouldBeJsonAsync(HttpStatusCode.Accepted);
        var applicationId = Guid.Parse(accepted.Str("id"));
        await LaneTests.EventuallyAsync(async () =>
            (await (await adminApi.GetAsync($"/api/v1/applications/{applicationId}")).ShouldBeJsonAsync(HttpStatusCode.OK)).Str("state") == "Delivered" ? "ok" : null,
            "the delivery");

        var ids = new Ids(Guid.Parse(connectionId), applicationId, jobs[0], tenant.Company, Guid.Parse(webhook["subscription"].Str("id")));
        var forbidden = new[]
        {
            tenant.ClientSecret, platformKey, webhookSecret, File.ReadAllText(Path.Combine(server.DataDirectory, "bootstrap-admin-key.txt")).Trim(),
            applicant.FirstName, applicant.LastName, applicant.Email,
        };

        foreach (var lang in new[] { "en", "fr" })
        {
            var admin = await server.SignedInAsync(ConsoleRole.Admin);
            admin.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(lang);
            foreach (var route in PageRoutes())
            {
                var url = "/" + Fill(route, ids);
                var (status, document, _) = await admin.GetAsync(url);
                ((int)status).ShouldBeLessThan(500, url);
                var html = document.DocumentElement.OuterHtml;
                foreach (var secret in forbidden)
                {
                    html.ShouldNotContain(secret, Case.Sensitive, $"{url} shows a secret or personal data");
                }
            }

            admin.Pages.Count.ShouldBeGreaterThan(10);
        }
    }

    [Theory]
    [InlineData("/%09/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/%0A")]
    public async Task A_return_address_off_this_site_is_never_followed(string returnUrl)
    {
        var (name, password) = await server.UserAsync(ConsoleRole.Viewer);
        var client = server.Anonymous();
        var (status, _, response) = await client.PostFormAsync("/account/sign-in?returnUrl=" + Uri.EscapeDataString(Uri.UnescapeDataString(returnUrl)),
            new Dictionary<string, string> { ["UserName"] = name, ["Password"] = password, ["ReturnUrl"] = Uri.UnescapeDataString(returnUrl) });
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/connections");

        var language = await client.Http.GetAsync("/lang/fr?returnUrl=" + Uri.EscapeDataString(Uri.UnescapeDataString(returnUrl)));
        language.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        language.Headers.Location!.OriginalString.ShouldBe("/");
    }

    [Fact]
    public async Task Signing_out_needs_the_form_token_so_no_other_site_can_sign_anyone_out()
    {
        var client = await server.SignedInAsync(ConsoleRole.Viewer);
        var forged = await client.Http.PostAsync("/account/sign-out", new FormUrlEncodedContent([]));
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/connections")).Status.ShouldBe(HttpStatusCode.OK, "still signed in");

        var (status, _, response) = await client.PostFormAsync("/connections", new Dictionary<string, string>(), action: "/account/sign-out", withToken: true, inLayout: true);
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/account/sign-in");
        (await client.GetAsync("/connections")).Status.ShouldBe(HttpStatusCode.Redirect, "signed out");
    }

    [Fact]
    public async Task A_post_that_names_no_handler_gets_a_405_page_not_a_crash()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connectionId, jobs) = await Applications.OnboardAsync(server, tenant);
        var client = await server.SignedInAsync(ConsoleRole.Viewer);
        foreach (var url in new[] { $"/connections/{connectionId}", "/connections", $"/careers/{tenant.Company}", $"/careers/{tenant.Company}/jobs/{jobs[0]}" })
        {
            var (_, page, _) = await client.GetAsync(url);
            var token = page.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
                        ?? (await client.GetAsync("/account/password")).Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
            var response = await client.Http.PostAsync(url, new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
            ((int)response.StatusCode).ShouldBe(405, url);
        }
    }

    [Fact]
    public async Task A_candidate_meets_errors_in_the_career_site_s_own_look_never_the_console()
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var (_, jobs) = await Applications.OnboardAsync(server, tenant);
        var candidate = server.Anonymous();
        candidate.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        var response = await candidate.Http.PostAsync($"/careers/{tenant.Company}/jobs/{jobs[0]}/apply", new MultipartFormDataContent { { new StringContent("Chloé"), "FirstName" } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain($"href=\"/careers/{tenant.Company}\"");
        html.ShouldContain("Retour aux offres d&#x27;emploi");
        html.ShouldNotContain("Retour à la console");
    }

    private sealed record Ids(Guid Connection, Guid Application, string Job, string Company, Guid Webhook);

    /// <summary>Fills a route's parameters with the ids of what exists; an unknown parameter fails the test so it gets one.</summary>
    private static string Fill(string route, Ids ids) => RouteParameter().Replace(route, match =>
    {
        var name = match.Groups["name"].Value;
        return name switch
        {
            "id" when route.StartsWith("connections", StringComparison.Ordinal) => ids.Connection.ToString(),
            "id" when route.StartsWith("applications", StringComparison.Ordinal) => ids.Application.ToString(),
            "id" when route.Contains("webhooks", StringComparison.Ordinal) => ids.Webhook.ToString(),
            "applicationId" => ids.Application.ToString(),
            "jobId" => Uri.EscapeDataString(ids.Job),
            "connection" => ids.Company,
            "status" => "404",
            _ => throw new InvalidOperationException($"The route '{route}' has a parameter '{name}' this test does not know how to fill: add it to Fill."),
        };
    }).Replace("?", "", StringComparison.Ordinal);

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
