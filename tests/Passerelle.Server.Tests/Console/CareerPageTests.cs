using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Persistence;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests.Console;

/// <summary>A file the tests send with the form.</summary>
internal sealed record FormFile(byte[] Content, string Name, string Type);

/// <summary>A connection with the jobs a career site must sort out: two open public ones, one internal, one filled.</summary>
internal sealed record CareerFixture(Tenant Tenant, string ConnectionId, string Picker, string Developer, string Internal, string Filled)
{
    public string Home => "/careers/" + Tenant.Company;

    public string Apply(string job) => $"{Home}/jobs/{job}/apply";

    public static async Task<CareerFixture> CreateAsync(ServerFactory server)
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var picker = (await tenant.AddJobAsync(new
        {
            title = "Préparateur de commandes (H/F)", status = "SOURCING", postingStatus = "PUBLIC",
            location = new { city = "Nantes", countryCode = "FR" }, department = new { id = "log", label = "Logistique" },
            typeOfEmployment = new { id = "permanent", label = "CDI" },
            jobAd = new
            {
                sections = new
                {
                    companyDescription = new { title = "Qui sommes-nous", text = "<p>Un entrepôt <em>accueillant</em>.</p>" },
                    jobDescription = new { title = "Le poste", text = "<p onclick=\"steal()\">Vous <strong>préparez</strong> les commandes.</p><script>alert(1)</script>" },
                    qualifications = new { title = "Votre profil", text = "<ul><li>CACES 1</li></ul>" },
                },
            },
        })).Str("id");
        var developer = (await tenant.AddJobAsync(new
        {
            title = "Développeur .NET", status = "SOURCING", postingStatus = "PUBLIC", location = new { city = "Lyon" }, department = new { id = "it", label = "Informatique" },
        })).Str("id");
        var internalJob = await tenant.AddJobIdAsync("Poste interne", postingStatus: "INTERNAL");
        var filled = await tenant.AddJobIdAsync("Cariste pourvu", status: "FILLED");
        var (connection, _) = await OnboardAsync(server, tenant, jobs: 0);
        return new CareerFixture(tenant, connection, picker, developer, internalJob, filled);
    }
}

/// <summary>
/// The demo career site, as a browser without JavaScript uses it: multipart forms with the antiforgery token of the
/// page they came from, then what the intake stored and what the sandbox (as SR) received.
/// </summary>
public sealed class CareerPageTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private static readonly HtmlParser Parser = new();

    private static ConsoleClient French(ConsoleServer server)
    {
        var client = server.Anonymous();
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR,fr;q=0.9");
        return client;
    }

    internal static Dictionary<string, string> Valid(string email) => new()
    {
        ["FirstName"] = "Chloé", ["LastName"] = "Bernard", ["Email"] = email, ["Phone"] = "+33 6 11 22 33 44", ["Consent"] = "true",
    };

    /// <summary>The form's hidden fields (antiforgery token and idempotency token), as a browser would send them back.</summary>
    internal static async Task<Dictionary<string, string>> HiddenFieldsAsync(ConsoleClient client, string page)
    {
        var (status, document, _) = await client.GetAsync(page);
        status.ShouldBe(HttpStatusCode.OK);
        var form = document.QuerySelector("form[data-testid=apply-form]").ShouldNotBeNull();
        return form.QuerySelectorAll("input[type=hidden]").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
    }

    internal static async Task<(HttpStatusCode Status, IHtmlDocument Document, HttpResponseMessage Response)> PostAsync(
        ConsoleClient client, string page, IDictionary<string, string> hidden, IDictionary<string, string> fields, FormFile? cv, FormFile? coverLetter = null)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in hidden.Concat(fields))
        {
            form.Add(new StringContent(value), name);
        }

        foreach (var (name, file) in new[] { ("Cv", cv), ("CoverLetter", coverLetter) })
        {
            if (file is null)
            {
                // What a browser sends for a file input left empty: a part with an empty file name.
                var empty = new ByteArrayContent([]);
                empty.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                empty.Headers.ContentDisposition = ContentDispositionHeaderValue.Parse($"form-data; name=\"{name}\"; filename=\"\"");
                form.Add(empty);
                continue;
            }

            var content = new ByteArrayContent(file.Content);
            content.Headers.ContentType = new MediaTypeHeaderValue(file.Type);
            form.Add(content, name, file.Name);
        }

        var response = await client.Http.PostAsync(page, form);
        var html = await response.Content.ReadAsStringAsync();
        client.Pages.Add(html);
        return (response.StatusCode, Parser.ParseDocument(html), response);
    }

    internal static FormFile Pdf(int seed, int size = 4096) => new(Applications.Pdf(seed, size), "cv-chloe.pdf", "application/pdf");

    private async Task<int> ApplicationCountAsync(string connectionId)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        return await db.Applications.CountAsync(a => a.ConnectionId == new ConnectionId(Guid.Parse(connectionId)));
    }

    [Fact]
    public async Task The_list_shows_only_open_public_jobs_and_the_search_narrows_it()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);

        // The company identifier in any case, or the connection's id.
        var (status, page, _) = await client.GetAsync(site.Home.ToUpperInvariant().Replace("/CAREERS/", "/careers/", StringComparison.Ordinal));
        status.ShouldBe(HttpStatusCode.OK);
        page.DocumentElement.GetAttribute("lang").ShouldBe("fr");
        page.QuerySelector("[data-testid=company-name]")!.TextContent.ShouldContain("C");
        var cards = page.QuerySelectorAll("[data-testid=job-card]");
        cards.Select(c => c.QuerySelector("h3")!.TextContent.Trim()).ShouldBe(["Développeur .NET", "Préparateur de commandes (H/F)"], ignoreOrder: true);
        page.QuerySelector("[data-testid=job-count]")!.TextContent.ShouldContain("2 offres ouvertes");
        var picker = cards.Single(c => c.TextContent.Contains("Préparateur", StringComparison.Ordinal));
        picker.TextContent.ShouldContain("Nantes, FR");
        picker.TextContent.ShouldContain("Logistique");
        picker.TextContent.ShouldContain("CDI");
        picker.TextContent.ShouldContain("Publiée le");
        picker.QuerySelector("a")!.GetAttribute("href").ShouldBe($"{site.Home}/jobs/{site.Picker}");
        (await client.GetAsync("/careers/" + site.ConnectionId)).Document.QuerySelectorAll("[data-testid=job-card]").Length.ShouldBe(2);

        foreach (var (query, expected) in new[] { ("nantes", "Préparateur"), ("informatique", "Développeur"), ("PREPARATEUR", "Préparateur"), ("dévelop lyon", "Développeur") })
        {
            var (_, found, _) = await client.GetAsync($"{site.Home}?q={Uri.EscapeDataString(query)}");
            found.QuerySelectorAll("[data-testid=job-card]").ShouldHaveSingleItem().TextContent.ShouldContain(expected, customMessage: query);
            found.QuerySelector("[data-testid=job-count]")!.TextContent.ShouldContain($"1 offre pour « {query} »");
            found.QuerySelector<IHtmlInputElement>("#q")!.Value.ShouldBe(query);
        }

        var (_, none, _) = await client.GetAsync($"{site.Home}?q=interne");
        none.QuerySelectorAll("[data-testid=job-card]").ShouldBeEmpty();
        none.QuerySelector(".card-empty")!.TextContent.ShouldContain("Aucune offre ne correspond");
    }

    [Fact]
    public async Task The_job_page_renders_the_sanitised_ad_and_only_open_public_jobs_have_one()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);

        var (status, page, _) = await client.GetAsync($"{site.Home}/jobs/{site.Picker}");
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("h1")!.TextContent.ShouldBe("Préparateur de commandes (H/F)");
        var ad = page.QuerySelector("[data-testid=job-ad]")!;
        ad.QuerySelectorAll("h2").Select(h => h.TextContent).ShouldBe(["Qui sommes-nous", "Le poste", "Votre profil"]);
        ad.QuerySelector("[data-section=job] strong")!.TextContent.ShouldBe("préparez");
        ad.QuerySelector("[data-section=qualifications] li")!.TextContent.ShouldBe("CACES 1");
        ad.InnerHtml.ShouldNotContain("script");
        ad.InnerHtml.ShouldNotContain("onclick");
        page.QuerySelector("[data-testid=apply-link]")!.GetAttribute("href").ShouldBe(site.Apply(site.Picker));

        foreach (var url in new[] { $"{site.Home}/jobs/{site.Internal}", $"{site.Home}/jobs/{site.Filled}", $"{site.Home}/jobs/nope", site.Apply(site.Internal), site.Apply(site.Filled),
                     $"{site.Home}/receipt/{Guid.NewGuid()}", "/careers/no-such-company", $"/careers/{Guid.NewGuid()}" })
        {
            var (missing, notFound, _) = await client.GetAsync(url);
            missing.ShouldBe(HttpStatusCode.NotFound, url);
            notFound.QuerySelector("[data-testid=careers-message]").ShouldNotBeNull(url);
            notFound.QuerySelector("h1")!.TextContent.ShouldBe("Page introuvable");
        }
    }

    [Fact]
    public async Task A_disconnected_company_has_no_career_site()
    {
        var site = await CareerFixture.CreateAsync(server);
        (await server.Admin().PostAsJsonAsync($"/api/v1/connections/{site.ConnectionId}/disconnect", new { })).IsSuccessStatusCode.ShouldBeTrue();

        var (status, page, _) = await French(server).GetAsync(site.Home);
        status.ShouldBe(HttpStatusCode.NotFound);
        page.QuerySelector("[data-testid=careers-message]")!.TextContent.ShouldContain("n'existe pas");
    }

    [Fact]
    public async Task A_valid_application_is_accepted_redirected_to_its_receipt_and_delivered_to_sr()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);
        var cv = Pdf(71);
        var letter = new FormFile("Madame, Monsieur,\nje souhaite rejoindre votre équipe.\n"u8.ToArray(), "lettre.txt", "text/plain");

        var (consentPage, form, _) = await client.GetAsync(site.Apply(site.Picker));
        consentPage.ShouldBe(HttpStatusCode.OK);
        var consentText = form.QuerySelector("[data-testid=consent-text]")!.TextContent.TrimEnd(' ', '*');
        consentText.ShouldStartWith("J'accepte que C traite les données");
        form.QuerySelector("#Cv-hint")!.TextContent.ShouldContain("10 Mo au maximum");
        form.QuerySelector("label[for=Cv]").ShouldNotBeNull();
        var hidden = await HiddenFieldsAsync(client, site.Apply(site.Picker));
        var (status, _, response) = await PostAsync(client, site.Apply(site.Picker), hidden, Valid("chloe.careers@example.fr"), cv, letter);

        status.ShouldBe(HttpStatusCode.Redirect);
        var receiptUrl = response.Headers.Location!.OriginalString;
        receiptUrl.ShouldStartWith($"{site.Home}/receipt/");
        var id = receiptUrl[(receiptUrl.LastIndexOf('/') + 1)..];
        var (receiptStatus, receipt, _) = await client.GetAsync(receiptUrl);
        receiptStatus.ShouldBe(HttpStatusCode.OK);
        receipt.QuerySelector("h1")!.TextContent.ShouldContain("Merci");
        receipt.QuerySelector("[data-testid=receipt-job]")!.TextContent.ShouldBe("Préparateur de commandes (H/F)");
        receipt.QuerySelector("[data-testid=receipt-reference]")!.TextContent.ShouldBe($"{id.Replace("-", "", StringComparison.Ordinal)[^8..^4].ToUpperInvariant()}-{id[^4..].ToUpperInvariant()}");
        var receiptHtml = receipt.DocumentElement.OuterHtml;
        receiptHtml.ShouldNotContain("Chloé");
        receiptHtml.ShouldNotContain("Bernard");
        receiptHtml.ShouldNotContain("chloe.careers@example.fr");

        var platform = await server.KeyAsync(ApiRole.Platform);
        var delivered = await WaitAsync(platform, id, "Delivered");
        delivered.Str("channel").ShouldBe("careers");
        delivered.Str("jobId").ShouldBe(site.Picker);
        var candidate = (await site.Tenant.CandidatesAsync()).ShouldHaveSingleItem()!;
        candidate.Str("email").ShouldBe("chloe.careers@example.fr");
        candidate.Str("firstName").ShouldBe("Chloé");
        candidate["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldContain("careers");
        var attachments = candidate["attachments"]!.AsArray();
        attachments.Single(a => a.Str("type") == "RESUME").Str("sha256").ShouldBe(Sha256(cv.Content));
        attachments.Single(a => a.Str("type") == "COVER_LETTER").Str("sha256").ShouldBe(Sha256(letter.Content));

        // The consent is stored with the very sentence the applicant read.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            var stored = await db.Applications.SingleAsync(a => a.Id == Guid.Parse(id));
            var applicant = scope.ServiceProvider.GetRequiredService<Core.Applications.ApplicantProtector>().Unprotect(stored.ProtectedApplicant!);
            applicant.Consent!.Given.ShouldBeTrue();
            applicant.Consent.Text.ShouldBe(consentText);
            stored.AcceptedBy.ShouldBe("careers");
        }

        (await client.GetAsync(receiptUrl)).Document.QuerySelector("[data-testid=receipt-state]")!.TextContent.Trim().ShouldBe("Transmise au recruteur");
    }

    [Fact]
    public async Task Sending_the_same_form_twice_makes_one_application()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);
        var hidden = await HiddenFieldsAsync(client, site.Apply(site.Developer));
        var cv = Pdf(72);

        var first = await PostAsync(client, site.Apply(site.Developer), hidden, Valid("twice@example.fr"), cv);
        var second = await PostAsync(client, site.Apply(site.Developer), hidden, Valid("twice@example.fr"), cv);

        first.Status.ShouldBe(HttpStatusCode.Redirect);
        second.Status.ShouldBe(HttpStatusCode.Redirect);
        second.Response.Headers.Location.ShouldBe(first.Response.Headers.Location);
        (await ApplicationCountAsync(site.ConnectionId)).ShouldBe(1);

        // A new form (a new token) is a new application.
        var again = await PostAsync(client, site.Apply(site.Developer), await HiddenFieldsAsync(client, site.Apply(site.Developer)), Valid("twice@example.fr"), cv);
        again.Response.Headers.Location.ShouldNotBe(first.Response.Headers.Location);
        (await ApplicationCountAsync(site.ConnectionId)).ShouldBe(2);
    }

    [Fact]
    public async Task Each_bad_input_gets_its_message_in_french_next_to_its_field_with_the_typed_values_kept()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);
        var url = site.Apply(site.Picker);
        var png = new FormFile([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[200]], "cv.pdf", "application/pdf");
        var cases = new (string Field, Dictionary<string, string> Fields, FormFile? Cv, FormFile? Letter, string Message)[]
        {
            ("FirstName", With(f => f["FirstName"] = "  "), Pdf(73), null, "Saisissez votre prénom."),
            ("LastName", With(f => f.Remove("LastName")), Pdf(73), null, "Saisissez votre nom."),
            ("Email", With(f => f["Email"] = "chloe@"), Pdf(73), null, "Saisissez une adresse e-mail valide"),
            ("Phone", With(f => f["Phone"] = "06 <script>"), Pdf(73), null, "Seuls les chiffres"),
            ("Consent", With(f => f.Remove("Consent")), Pdf(73), null, "Cochez la case"),
            ("Cv", Valid("bad@example.fr"), null, null, "Choisissez votre CV."),
            ("Cv", Valid("bad@example.fr"), png, null, "n'est pas un document PDF, Word"),
            ("Cv", Valid("bad@example.fr"), new FormFile([], "cv.pdf", "application/pdf"), null, "Ce fichier est vide"),
            ("Cv", Valid("bad@example.fr"), Pdf(74, (10 * 1024 * 1024) + 1), null, "Ce fichier dépasse 10 Mo"),
            ("CoverLetter", Valid("bad@example.fr"), Pdf(73), png with { Name = "lettre.txt", Type = "text/plain" }, "n'est pas un document PDF, Word"),
        };

        foreach (var (field, fields, cv, letter, message) in cases)
        {
            var (status, page, _) = await PostAsync(client, url, await HiddenFieldsAsync(client, url), fields, cv, letter);
            status.ShouldBe(HttpStatusCode.OK, field);
            page.DocumentElement.GetAttribute("lang").ShouldBe("fr");
            page.QuerySelector($"#{field}-error").ShouldNotBeNull($"{field}: {message}").TextContent.ShouldContain(message, customMessage: field);
            var input = page.QuerySelector($"#{field}")!;
            input.GetAttribute("aria-invalid").ShouldBe("true", field);
            input.GetAttribute("aria-describedby")!.ShouldContain($"{field}-error");
            page.QuerySelector("[data-testid=error-summary]")!.TextContent.ShouldContain(message);
            page.QuerySelectorAll(".field-error").Length.ShouldBe(1, field);
            foreach (var (name, value) in fields.Where(f => f.Key is not "Consent" && f.Key != field))
            {
                page.QuerySelector<IHtmlInputElement>($"#{name}")!.Value.ShouldBe(value.Trim(), $"{field}: {name} kept");
            }

            if (cv is not null || letter is not null)
            {
                page.QuerySelector("[data-testid=choose-again]")!.TextContent.ShouldContain("choisissez à nouveau votre CV");
            }
        }

        (await ApplicationCountAsync(site.ConnectionId)).ShouldBe(0);
        client.Pages.ShouldAllBe(html => !html.Contains("06 <script>", StringComparison.Ordinal), "typed values are encoded");

        // The job closes between the form and the send.
        var hidden = await HiddenFieldsAsync(client, url);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            var offer = await db.JobOffers.SingleAsync(o => o.SrJobId == site.Picker);
            offer.IsClosed = true;
            await db.SaveChangesAsync();
        }

        var (closedStatus, closed, _) = await PostAsync(client, url, hidden, Valid("late@example.fr"), Pdf(75));
        closedStatus.ShouldBe(HttpStatusCode.OK);
        closed.QuerySelector("[data-testid=form-error]")!.TextContent.ShouldContain("Cette offre a été clôturée pendant que vous remplissiez le formulaire");
        (await ApplicationCountAsync(site.ConnectionId)).ShouldBe(0);

        static Dictionary<string, string> With(Action<Dictionary<string, string>> change)
        {
            var fields = Valid("bad@example.fr");
            change(fields);
            return fields;
        }
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused()
    {
        var site = await CareerFixture.CreateAsync(server);
        var client = French(server);
        var hidden = await HiddenFieldsAsync(client, site.Apply(site.Picker));
        hidden.Remove("__RequestVerificationToken");

        var (status, _, _) = await PostAsync(client, site.Apply(site.Picker), hidden, Valid("csrf@example.fr"), Pdf(76));

        status.ShouldBe(HttpStatusCode.BadRequest);
        (await ApplicationCountAsync(site.ConnectionId)).ShouldBe(0);
    }
}

/// <summary>The career site with small upload limits, and with the site turned off: servers of their own.</summary>
public sealed class CareerPageLimitTests
{
    [Fact]
    public async Task Files_over_the_limits_get_an_inline_message_or_a_friendly_page_never_an_error()
    {
        await using var server = new ConsoleServer();
        server.Settings["Applications:MaxFileSize"] = "65536";
        var site = await CareerFixture.CreateAsync(server);
        var client = server.Anonymous();
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
        var url = site.Apply(site.Picker);

        var (status, page, _) = await CareerPageTests.PostAsync(client, url, await CareerPageTests.HiddenFieldsAsync(client, url),
            CareerPageTests.Valid("big@example.fr"), CareerPageTests.Pdf(81, 100 * 1024));
        status.ShouldBe(HttpStatusCode.OK);
        page.QuerySelector("#Cv-error")!.TextContent.ShouldContain("Ce fichier dépasse 64 Ko");
        page.QuerySelector<IHtmlInputElement>("#Email")!.Value.ShouldBe("big@example.fr");

        // Over the whole request's limit (2 × 64 KB + 1 MB): refused before the form is read, with a page of the site.
        var (tooLarge, friendly, _) = await CareerPageTests.PostAsync(client, url, await CareerPageTests.HiddenFieldsAsync(client, url),
            CareerPageTests.Valid("huge@example.fr"), CareerPageTests.Pdf(82, 2 * 1024 * 1024));
        tooLarge.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        friendly.QuerySelector("h1")!.TextContent.ShouldBe("Vos fichiers sont trop volumineux");
        friendly.QuerySelector("[data-testid=careers-message] a")!.GetAttribute("href").ShouldBe(url);

        await using var scope = server.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Applications.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task With_careers_disabled_every_career_page_answers_404()
    {
        await using var server = new ConsoleServer();
        server.Settings["Careers:Enabled"] = "false";
        var site = await CareerFixture.CreateAsync(server);
        var client = server.Anonymous();

        foreach (var url in new[] { site.Home, $"{site.Home}/jobs/{site.Picker}", site.Apply(site.Picker), $"{site.Home}/receipt/{Guid.NewGuid()}" })
        {
            (await client.GetAsync(url)).Status.ShouldBe(HttpStatusCode.NotFound, url);
        }

        using var form = new MultipartFormDataContent { { new StringContent("Chloé"), "FirstName" } };
        (await client.Http.PostAsync(site.Apply(site.Picker), form)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}

/// <summary>The career site in Debian's Chromium: a candidate applies with a PDF and sees the receipt; screenshots for review.</summary>
[Collection(Browser.Collection)]
public sealed class CareerPageBrowserTests(KestrelConsoleServer server, Browser browser) : IClassFixture<KestrelConsoleServer>
{
    [SkippableFact]
    public async Task A_candidate_applies_with_a_pdf_in_the_browser_and_sees_the_receipt()
    {
        Skip.If(browser.Chromium is null, Browser.SkipReason);
        var site = await CareerFixture.CreateAsync(server);
        var folder = Directory.CreateTempSubdirectory("passerelle-careers-");
        var cv = Path.Combine(folder.FullName, "cv-chloé.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(91, 8192, "browser-cv"));
        var (page, html) = await browser.NewPageAsync(server.RootUri, "fr-FR");

        await page.GotoAsync(site.Home);
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Rejoignez C");
        (await page.Locator("[data-testid=job-card]").CountAsync()).ShouldBe(2);
        await Browser.ScreenshotAsync(page, "careers-list");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "EN", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("document.documentElement.lang === 'en'");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Join C");
        await Browser.ScreenshotAsync(page, "careers-list-en");
        await page.SetViewportSizeAsync(390, 844);
        await Browser.ScreenshotAsync(page, "careers-list-phone");
        await page.SetViewportSizeAsync(1280, 900);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "FR", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("document.documentElement.lang === 'fr'");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Préparateur de commandes (H/F)" }).ClickAsync();
        await page.WaitForURLAsync($"**/jobs/{site.Picker}", Browser.Committed);
        (await page.Locator("[data-section=job] strong").TextContentAsync()).ShouldBe("préparez");
        await Browser.ScreenshotAsync(page, "careers-job");

        await page.Locator("[data-testid=apply-link]").ClickAsync();
        await page.WaitForURLAsync("**/apply", Browser.Committed);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Envoyer ma candidature" }).ClickAsync();
        await page.Locator("[data-testid=error-summary]").WaitForAsync();
        (await page.Locator("#FirstName-error").TextContentAsync()).ShouldBe("Saisissez votre prénom.");
        await Browser.ScreenshotAsync(page, "careers-apply-errors");
        await page.Locator("#FirstName").FillAsync("Chloé");
        await page.Locator("#LastName").FillAsync("Bernard");
        await page.Locator("#Email").FillAsync("chloe.browser@example.fr");
        await page.Locator("#Cv").SetInputFilesAsync(cv);
        await page.GetByLabel("J'accepte que C traite").CheckAsync();
        await Browser.ScreenshotAsync(page, "careers-apply");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Envoyer ma candidature" }).ClickAsync();

        await page.WaitForURLAsync("**/receipt/**", Browser.Committed);
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Merci, votre candidature a bien été reçue !");
        (await page.Locator("[data-testid=receipt-job]").TextContentAsync()).ShouldBe("Préparateur de commandes (H/F)");
        await Browser.ScreenshotAsync(page, "careers-receipt");
        html.ShouldAllBe(h => !h.Contains("chloe.browser@example.fr", StringComparison.Ordinal));

        await using var scope = server.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<PasserelleDbContext>().Applications.Include(a => a.Files)
            .SingleAsync(a => a.ConnectionId == new ConnectionId(Guid.Parse(site.ConnectionId)));
        stored.Channel.ShouldBe("careers");
        stored.Files.ShouldHaveSingleItem().Sha256.ShouldBe(Sha256(await File.ReadAllBytesAsync(cv)));
        folder.Delete(recursive: true);
    }
}
