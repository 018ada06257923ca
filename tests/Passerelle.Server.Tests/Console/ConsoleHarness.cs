using System.Collections.Concurrent;
using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Passerelle.Core.Persistence;
using Passerelle.Core.Users;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Console;

/// <summary>
/// The server for console tests: the career pages on, and optionally on Kestrel (a real loopback port) so that a
/// browser can reach it. The sandbox stays in process behind the SR client, as in every server test.
/// </summary>
public class ConsoleServer : ServerFactory
{
    private readonly bool _kestrel;

    public ConsoleServer()
        : this(kestrel: false)
    {
    }

    protected ConsoleServer(bool kestrel)
        : base(Directory.CreateTempSubdirectory("passerelle-console-"), new SandboxFactory(), shared: false)
    {
        _kestrel = kestrel;
        Settings["Careers:Enabled"] = "true";
        if (kestrel)
        {
            UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        }
    }

    /// <summary>Where a browser reaches the server (Kestrel mode only).</summary>
    public Uri RootUri
    {
        get
        {
            if (!_kestrel)
            {
                throw new InvalidOperationException("Only a Kestrel ConsoleServer has a root URI a browser can reach.");
            }

            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    /// <summary>The first admin's one-time password, as written at first start.</summary>
    public string FirstAdminPassword()
    {
        StartServer();
        return File.ReadAllText(Path.Combine(DataDirectory, Ui.ConsoleExtensions.FirstAdminPasswordFile)).Trim();
    }

    /// <summary>A user of <paramref name="role"/> with a known password that need not be changed.</summary>
    public async Task<(string UserName, string Password)> UserAsync(ConsoleRole role)
    {
        StartServer();
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var name = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..24];
        var password = "correct horse battery " + Guid.NewGuid().ToString("N")[..8];
        db.Users.Add(new ConsoleUser { UserName = name, Role = role, PasswordHash = PasswordHashing.Hash(password), CreatedAt = TimeProvider.System.GetUtcNow(), CreatedBy = "test" });
        await db.SaveChangesAsync();
        return (name, password);
    }

    /// <summary>An HTTP client that keeps cookies, signed in as a new user of <paramref name="role"/>.</summary>
    public async Task<ConsoleClient> SignedInAsync(ConsoleRole role)
    {
        var (name, password) = await UserAsync(role);
        var client = Anonymous();
        (await client.SignInAsync(name, password)).ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    public ConsoleClient Anonymous() => new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

}

/// <summary>One Chromium for every browser test (see <see cref="Browser.Collection"/>).</summary>
[CollectionDefinition(Browser.Collection)]
public sealed class OneBrowser : ICollectionFixture<Browser>;

/// <summary>The console on a real loopback port, for the browser.</summary>
public sealed class KestrelConsoleServer() : ConsoleServer(kestrel: true);

/// <summary>
/// Pages read and forms sent as a browser without JavaScript would: every form post carries the antiforgery token of
/// the page it came from. Every HTML page read is kept, for the test that no secret appears in any of them.
/// </summary>
public sealed class ConsoleClient(HttpClient http)
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Http { get; } = http;

    /// <summary>Every HTML body this client received.</summary>
    public ConcurrentBag<string> Pages { get; } = [];

    public async Task<(HttpStatusCode Status, IHtmlDocument Document, HttpResponseMessage Response)> GetAsync(string url)
    {
        var response = await Http.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Pages.Add(html);
        return (response.StatusCode, Parser.ParseDocument(html), response);
    }

    /// <summary>GETs <paramref name="page"/>, then posts <paramref name="fields"/> with the token of the page's first form in <c>main</c> (or of the first whose action contains <paramref name="action"/>).</summary>
    public async Task<(HttpStatusCode Status, IHtmlDocument Document, HttpResponseMessage Response)> PostFormAsync(
        string page, IDictionary<string, string> fields, string? action = null, bool withToken = true, bool inLayout = false)
    {
        var (_, document, _) = await GetAsync(page);
        // Forms of the page's content: the layout's own (sign-out) come first in the document.
        var form = document.QuerySelectorAll(inLayout ? "form" : "main form").OfType<IHtmlFormElement>().FirstOrDefault(f => action is null || (f.GetAttribute("action") ?? "").Contains(action, StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"No form{(action is null ? "" : $" with action '{action}'")} on {page}.");
        var values = new List<KeyValuePair<string, string>>();
        var token = form.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value");
        if (withToken && token is not null)
        {
            values.Add(new("__RequestVerificationToken", token));
        }

        values.AddRange(fields);
        var target = form.GetAttribute("action") is { Length: > 0 } a ? a : page;
        var response = await Http.PostAsync(target, new FormUrlEncodedContent(values));
        var html = await response.Content.ReadAsStringAsync();
        Pages.Add(html);
        return (response.StatusCode, Parser.ParseDocument(html), response);
    }

    public async Task<HttpStatusCode> SignInAsync(string userName, string password)
    {
        var (status, _, _) = await PostFormAsync("/account/sign-in", new Dictionary<string, string> { ["UserName"] = userName, ["Password"] = password });
        return status;
    }
}

/// <summary>
/// Debian's Chromium driven by Playwright, with the flags this workplace needs; one browser for a test class. Tests
/// skip with a reason when <c>PASSERELLE_TEST_CHROMIUM</c> is not set (a bare <c>dotnet test</c>); <c>./test.sh</c> sets it.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>
    /// The browser tests share one Chromium and run one after another: each drives a whole server, and two cores
    /// shared with the other test classes are enough for one browser at a time, not for several.
    /// </summary>
    public const string Collection = "Browser";

    public static readonly string? ExecutablePath = Environment.GetEnvironmentVariable("PASSERELLE_TEST_CHROMIUM");
    public const string SkipReason = "PASSERELLE_TEST_CHROMIUM is not set: run ./test.sh (it installs Debian's chromium) for the browser tests.";

    private IPlaywright? _playwright;

    public IBrowser? Chromium { get; private set; }

    /// <summary>Screenshots for review, under the test output: <c>TestResults/screenshots</c> beside the test assembly.</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        if (string.IsNullOrEmpty(ExecutablePath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) in <paramref name="locale"/>, recording every HTML page it receives.</summary>
    public async Task<(IPage Page, ConcurrentBag<string> Html)> NewPageAsync(Uri root, string locale = "en-GB")
    {
        Skip.If(Chromium is null, SkipReason);
        var context = await Chromium!.NewContextAsync(new BrowserNewContextOptions { BaseURL = root.ToString(), Locale = locale, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        // Generous: the other test classes keep both cores busy while a browser test runs.
        context.SetDefaultTimeout(45_000);
        context.SetDefaultNavigationTimeout(45_000);
        var page = await context.NewPageAsync();
        var html = new ConcurrentBag<string>();
        page.Response += async (_, response) =>
        {
            if (response.Headers.TryGetValue("content-type", out var type) && type.StartsWith("text/html", StringComparison.Ordinal))
            {
                try
                {
                    html.Add(await response.TextAsync());
                }
                catch (PlaywrightException)
                {
                    // A redirect has no body to read.
                }
            }
        };
        return (page, html);
    }

    /// <summary>
    /// Waiting for a URL up to the navigation's commit, not its load event: on two busy cores Chromium sometimes never
    /// reported "load" after a form's redirect (45 s timeouts with the page already there); locators wait for what they need.
    /// </summary>
    public static readonly PageWaitForURLOptions Committed = new() { WaitUntil = WaitUntilState.Commit };

    /// <summary>Opens <paramref name="path"/>, signs in on the page it leads to, and waits to be back on it.</summary>
    public static async Task SignInAsync(IPage page, string path, string userName, string password)
    {
        await page.GotoAsync(path);
        await page.Locator("#UserName").FillAsync(userName);
        await page.Locator("#Password").FillAsync(password);
        await page.Locator("main button[type=submit]").First.ClickAsync();
        await page.WaitForURLAsync("**" + path, Committed);
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
        {
            await Chromium.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
