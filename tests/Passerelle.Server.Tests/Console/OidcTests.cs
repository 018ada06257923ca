using System.Net;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Passerelle.Server.Tests.Console;

/// <summary>The console with OpenID Connect configured; the provider's metadata is given in place, so nothing is fetched.</summary>
public sealed class OidcConsoleServer : ConsoleServer
{
    public const string Authorize = "https://login.example.test/realms/staff/protocol/openid-connect/auth";

    public OidcConsoleServer()
    {
        Settings["Console:Oidc:Authority"] = "https://login.example.test/realms/staff";
        Settings["Console:Oidc:ClientId"] = "passerelle-console";
        Settings["Console:Oidc:DisplayName"] = "Hippolyte-rh";
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, oidc =>
            oidc.Configuration = new OpenIdConnectConfiguration
            {
                Issuer = "https://login.example.test/realms/staff",
                AuthorizationEndpoint = Authorize,
                TokenEndpoint = "https://login.example.test/realms/staff/protocol/openid-connect/token",
            }));
    }
}

public sealed class OidcTests(OidcConsoleServer server) : IClassFixture<OidcConsoleServer>
{
    [Fact]
    public async Task Single_sign_on_sends_the_person_to_the_provider_with_the_code_flow_and_PKCE()
    {
        var client = server.Anonymous();
        var (_, page, _) = await client.GetAsync("/account/sign-in?returnUrl=%2Fconnections%2Fnew");
        page.QuerySelectorAll("main form button").Select(b => b.TextContent).ShouldContain("Sign in with Hippolyte-rh");

        var (status, _, response) = await client.PostFormAsync("/account/sign-in?returnUrl=%2Fconnections%2Fnew",
            new Dictionary<string, string> { ["ReturnUrl"] = "/connections/new" }, action: "handler=External");

        status.ShouldBe(HttpStatusCode.Redirect);
        var location = response.Headers.Location!;
        location.GetLeftPart(UriPartial.Path).ShouldBe(OidcConsoleServer.Authorize);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        query["client_id"].ToString().ShouldBe("passerelle-console");
        query["response_type"].ToString().ShouldBe("code");
        query["code_challenge_method"].ToString().ShouldBe("S256");
        query["code_challenge"].ToString().ShouldNotBeNullOrEmpty();
        query["redirect_uri"].ToString().ShouldBe("http://localhost/account/oidc-callback");
        query["scope"].ToString().Split(' ').ShouldBe(["openid", "profile", "email"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_failed_single_sign_on_comes_back_to_the_sign_in_page_with_a_sentence()
    {
        var (status, page, _) = await server.Anonymous().GetAsync("/account/sign-in?external=failed");
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("[data-testid=sign-in-error]")!.TextContent.ShouldContain("Ask an admin");
    }
}
