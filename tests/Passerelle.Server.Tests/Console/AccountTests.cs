using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;

namespace Passerelle.Server.Tests.Console;

public sealed class AccountTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private readonly ConsoleServer _server = server;

    [Fact]
    public async Task Pages_send_a_visitor_who_is_not_signed_in_to_the_sign_in_page()
    {
        var (status, _, response) = await _server.Anonymous().GetAsync("/connections");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldStartWith("http://localhost/account/sign-in?returnUrl=%2Fconnections");
    }

    [Fact]
    public async Task The_first_admin_signs_in_with_the_one_time_password_and_must_choose_another()
    {
        var client = _server.Anonymous();
        (await client.SignInAsync("admin", _server.FirstAdminPassword())).ShouldBe(HttpStatusCode.Redirect);

        var (status, _, response) = await client.GetAsync("/connections");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe("/account/password");

        var (_, short_, _) = await client.PostFormAsync("/account/password", new Dictionary<string, string>
        {
            ["Current"] = _server.FirstAdminPassword(), ["Next"] = "short", ["Confirm"] = "short",
        });
        short_.QuerySelector("#Next-error")!.TextContent.ShouldContain("12");

        var (changed, _, changedResponse) = await client.PostFormAsync("/account/password", new Dictionary<string, string>
        {
            ["Current"] = _server.FirstAdminPassword(), ["Next"] = "une phrase assez longue", ["Confirm"] = "une phrase assez longue",
        });
        changed.ShouldBe(HttpStatusCode.Redirect);
        changedResponse.Headers.Location!.ToString().ShouldBe("/connections");

        // The one-time password no longer works; the new one does.
        (await _server.Anonymous().SignInAsync("admin", _server.FirstAdminPassword())).ShouldBe(HttpStatusCode.OK);
        (await _server.Anonymous().SignInAsync("ADMIN", "une phrase assez longue")).ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var (name, password) = await _server.UserAsync(ConsoleRole.AccountManager);
        var client = _server.Anonymous();
        for (var i = 0; i < ConsoleUsers.MaxFailedSignIns - 1; i++)
        {
            var (_, wrong, _) = await client.PostFormAsync("/account/sign-in", new Dictionary<string, string> { ["UserName"] = name, ["Password"] = "wrong" + i });
            wrong.QuerySelector("[data-testid=sign-in-error]")!.TextContent.ShouldBe("Wrong user name or password.");
        }

        var (_, locked, _) = await client.PostFormAsync("/account/sign-in", new Dictionary<string, string> { ["UserName"] = name, ["Password"] = "wrong again" });
        locked.QuerySelector("[data-testid=sign-in-error]")!.TextContent.ShouldContain("locked");

        var (status, stillLocked, _) = await client.PostFormAsync("/account/sign-in", new Dictionary<string, string> { ["UserName"] = name, ["Password"] = password });
        status.ShouldBe(HttpStatusCode.OK);
        stillLocked.QuerySelector("[data-testid=sign-in-error]")!.TextContent.ShouldContain("locked");

        await using var scope = _server.Services.CreateAsyncScope();
        var user = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Users.Single(u => u.UserName == name);
        user.LockedUntil.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        var (name, password) = await _server.UserAsync(ConsoleRole.Admin);
        var client = _server.Anonymous();
        var (status, document, _) = await client.PostFormAsync("/account/sign-in",
            new Dictionary<string, string> { ["UserName"] = name, ["Password"] = password }, withToken: false);
        status.ShouldBe(HttpStatusCode.BadRequest);
        document.QuerySelector("h1")!.TextContent.ShouldBe("The form could not be accepted");
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        var (_, french, _) = await client.GetAsync("/account/sign-in");
        french.QuerySelector("h1")!.TextContent.ShouldBe("Connexion à Passerelle");
    }

    [Fact]
    public async Task A_disabled_user_loses_their_session_at_once()
    {
        var (name, password) = await _server.UserAsync(ConsoleRole.AccountManager);
        var client = _server.Anonymous();
        (await client.SignInAsync(name, password)).ShouldBe(HttpStatusCode.Redirect);
        (await client.GetAsync("/account/password")).Status.ShouldBe(HttpStatusCode.OK);

        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<ConsoleUsers>();
            var id = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Users.Single(u => u.UserName == name).Id;
            await users.UpdateAsync(id, role: null, disabled: true);
        }

        var (status, _, response) = await client.GetAsync("/account/password");
        status.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/sign-in");
    }
}
