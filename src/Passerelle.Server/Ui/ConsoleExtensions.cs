using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;

namespace Passerelle.Server.Ui;

public static partial class ConsoleExtensions
{
    public const string FirstAdminPasswordFile = "bootstrap-admin-password.txt";

    /// <summary>
    /// The account managers' console and the demo career pages: Razor Pages in French and English, cookie sessions for
    /// console users (optionally through OpenID Connect), antiforgery on every form, HTML error pages.
    /// </summary>
    public static WebApplicationBuilder AddPasserelleConsole(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.SectionName)
            .Validate(o => TryZone(o.TimeZone), "Console:TimeZone is not a time zone this machine knows: use an IANA name such as \"Europe/Paris\".")
            .Validate(o => o.SessionLifetime >= TimeSpan.FromMinutes(5) && o.SessionLifetime <= TimeSpan.FromDays(30),
                "Console:SessionLifetime must be between \"00:05:00\" and \"30.00:00:00\".")
            .Validate(o => o.Oidc.DefaultRole is null or ConsoleRole.Viewer or ConsoleRole.AccountManager,
                "Console:Oidc:DefaultRole may be empty, Viewer or AccountManager: admins are made by an admin, never by signing in.")
            .Validate(o => !o.Oidc.Enabled || !string.IsNullOrWhiteSpace(o.Oidc.ClientId),
                "Console:Oidc:Authority is set but Console:Oidc:ClientId is empty: give the client id registered with the identity provider.")
            .ValidateOnStart();
        services.AddOptions<CareersOptions>().BindConfiguration(CareersOptions.SectionName).ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddScoped<Lang>();
        services.AddScoped<ConsoleUsers>();
        services.AddPasserelleActivity();

        var console = builder.Configuration.GetSection(ConsoleOptions.SectionName).Get<ConsoleOptions>() ?? new ConsoleOptions();
        var authentication = services.AddAuthentication()
            .AddCookie(ConsoleAuth.Scheme, cookie => ConsoleAuth.ConfigureCookie(cookie, console));
        if (console.Oidc.Enabled)
        {
            authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, oidc => ConfigureOidc(oidc, console.Oidc));
        }

        ConsoleAuth.AddPolicies(services.AddAuthorizationBuilder());
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = ".Passerelle.Antiforgery";
            antiforgery.Cookie.SecurePolicy = console.SecureCookies;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });

        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/", ConsoleAuth.ViewerPolicy);
            pages.Conventions.AuthorizeFolder("/Admin", ConsoleAuth.AdminPolicy);
            pages.Conventions.AllowAnonymousToFolder("/Careers");
            pages.Conventions.AllowAnonymousToPage("/Account/SignIn");
            pages.Conventions.AllowAnonymousToPage("/Account/Denied");
            pages.Conventions.AllowAnonymousToPage("/Error");
        }).AddMvcOptions(mvc => mvc.Filters.Add<ConsolePageFilter>());
        return builder;
    }

    /// <summary>Creates the first admin (once), then maps the pages, the static files and the language switch.</summary>
    public static async Task UsePasserelleConsoleAsync(this WebApplication app)
    {
        await EnsureFirstAdminAsync(app.Services);
        // Files served from disk as they are (lengths and ETags computed when served), rather than from the build's
        // static-asset manifest, which a test host or a hand-edited deployment can run with out of date.
        app.UseStaticFiles();
        app.MapRazorPages();
        Lang.MapLanguageSwitch(app);
        app.MapPost("/account/sign-out", async (HttpContext context, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery) =>
        {
            // A minimal endpoint gets no antiforgery check of its own: without this, any site could sign people out.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.StatusCode(StatusCodes.Status400BadRequest);
            }

            await context.SignOutAsync(ConsoleAuth.Scheme);
            return Results.LocalRedirect("/account/sign-in");
        }).ExcludeFromDescription().DisableAntiforgery()
            // Authorized by the console's scheme, so that the request's user is the one the form's token was made for.
            .RequireAuthorization(ConsoleAuth.ViewerPolicy);
    }

    /// <summary>Paths that answer in JSON problem details; everything else is a page and gets an HTML error page.</summary>
    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/health") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/scalar");

    private static bool TryZone(string zone)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(zone);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    private static void ConfigureOidc(OpenIdConnectOptions oidc, OidcOptions options)
    {
        oidc.Authority = options.Authority;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = options.ClientSecret;
        oidc.ResponseType = "code";
        oidc.UsePkce = true;
        oidc.SaveTokens = false;
        oidc.Scope.Clear();
        oidc.Scope.Add("openid");
        oidc.Scope.Add("profile");
        oidc.Scope.Add("email");
        oidc.SignInScheme = ConsoleAuth.Scheme;
        oidc.CallbackPath = "/account/oidc-callback";
        oidc.MapInboundClaims = false;

        // The provider says who the person is; the console decides what they may do, from its own user table.
        oidc.Events.OnTokenValidated = async context =>
        {
            var subject = context.Principal?.FindFirstValue("sub");
            var name = context.Principal?.FindFirstValue(options.UserNameClaim);
            var users = context.HttpContext.RequestServices.GetRequiredService<ConsoleUsers>();
            var user = subject is null || string.IsNullOrWhiteSpace(name) ? null
                : await users.ExternalSignInAsync(subject, name, options.DefaultRole, context.HttpContext.RequestAborted);
            if (user is null)
            {
                context.Fail("This person has no console account.");
                return;
            }

            context.Principal = ConsoleAuth.Principal(user);
        };
        oidc.Events.OnRemoteFailure = context =>
        {
            context.HandleResponse();
            context.Response.Redirect("/account/sign-in?external=failed");
            return Task.CompletedTask;
        };
    }

    private static async Task EnsureFirstAdminAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var password = await scope.ServiceProvider.GetRequiredService<ConsoleUsers>().EnsureFirstAdminAsync();
        if (password is null)
        {
            return;
        }

        var path = await Infrastructure.OwnerOnlyFile.WriteAsync(
            scope.ServiceProvider.GetRequiredService<IOptions<PasserelleOptions>>().Value.DataDirectory, FirstAdminPasswordFile, password);

        // Printed once, like the first API key: it must be changed at the first sign-in.
        Console.WriteLine($"Passerelle: created the console user 'admin' with a one-time password, shown once here and in {path} (owner only); it must be changed at the first sign-in:");
        Console.WriteLine(password);
    }
}
