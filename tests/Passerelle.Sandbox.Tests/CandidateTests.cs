using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Passerelle.Testing;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Passerelle.Sandbox.Tests;

public sealed class CandidateTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    [Fact]
    public async Task A_candidate_created_on_a_job_is_a_lead_on_that_job_and_reaches_the_inbox()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync("Cariste");
        var api = await tenant.ApiAsync();

        var created = await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", new
        {
            firstName = "Ada", lastName = "Lovelace", email = "ada@example.org", phoneNumber = "+33 6 12 34 56 78",
            location = new { country = "France", countryCode = "FR", city = "Lyon" }, tags = new[] { "hippolyte" },
            sourceDetails = new { sourceTypeId = "job_boards", sourceId = "hippolyte" },
        })).ShouldBeJsonAsync(HttpStatusCode.Created);

        Guid.TryParse(created.Str("id"), out _).ShouldBeTrue();
        created.Str("email").ShouldBe("ada@example.org");
        created["primaryAssignment"]!["job"].Str("id").ShouldBe(jobId);
        created["primaryAssignment"].Str("status").ShouldBe("LEAD");
        created["primaryAssignment"]!["source"].Str("sourceId").ShouldBe("hippolyte");
        created["internal"]!.GetValue<bool>().ShouldBeFalse();

        var received = (await tenant.CandidatesAsync()).Single()!;
        received.Str("id").ShouldBe(created.Str("id"));
        received.Str("jobId").ShouldBe(jobId);
        received.Str("createdBy").ShouldBe(tenant.ClientId);

        var inbox = await (await sandbox.Http().GetAsync($"/_sandbox/inbox?company={tenant.Company}")).Content.ReadAsStringAsync();
        inbox.ShouldContain(created.Str("id"));
        inbox.ShouldContain("Cariste");
    }

    [Fact]
    public async Task A_general_application_has_no_job()
    {
        var tenant = await sandbox.NewTenantAsync();

        var created = await (await (await tenant.ApiAsync()).PostAsJsonAsync("/candidates", new
        {
            firstName = "Ada", lastName = "Lovelace", email = "ada@example.org", @internal = true,
            sourceDetails = new { sourceTypeId = "job_boards", sourceId = "hippolyte" },
        })).ShouldBeJsonAsync(HttpStatusCode.Created);

        created["primaryAssignment"].ShouldBeNull();
        var received = (await tenant.CandidatesAsync()).Single()!;
        received["jobId"].ShouldBeNull();
        received["source"].Str("sourceId").ShouldBe("hippolyte");
        received["internal"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Theory]
    [InlineData("{\"lastName\":\"Lovelace\",\"email\":\"ada@example.org\"}", "firstName")]
    [InlineData("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}", "email")]
    [InlineData("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"not an email\"}", "email")]
    [InlineData("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"a@b.org\",\"location\":{\"countryCode\":\"FRA\"}}", "countryCode")]
    [InlineData("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"a@b.org\",\"tags\":\"one\"}", "")]
    [InlineData("{\"firstName\":\"Ada\"", "")]
    [InlineData("[]", "")]
    [InlineData("", "")]
    public async Task Invalid_candidates_get_an_sr_shaped_400_and_nothing_is_created(string body, string mentioned)
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();

        var error = await (await (await tenant.ApiAsync()).PostAsync($"/jobs/{jobId}/candidates", Tenant.Json(body))).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);

        error.Str("message").ShouldContain(mentioned);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_wrong_content_type_gets_415_and_a_huge_body_413()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();

        await (await api.PostAsync($"/jobs/{jobId}/candidates", new StringContent("firstName=Ada", Encoding.UTF8, "text/plain")))
            .ShouldBeSrErrorAsync(HttpStatusCode.UnsupportedMediaType);
        var huge = "{\"firstName\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        await (await api.PostAsync($"/jobs/{jobId}/candidates", Tenant.Json(huge))).ShouldBeSrErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unknown_job_gets_404_and_a_filled_or_cancelled_job_422()
    {
        var tenant = await sandbox.NewTenantAsync();
        var filled = await tenant.AddJobIdAsync(status: "FILLED");
        var cancelled = await tenant.AddJobIdAsync(status: "CANCELLED");
        var onHold = await tenant.AddJobIdAsync(status: "ON_HOLD");
        var api = await tenant.ApiAsync();

        await (await api.PostAsJsonAsync($"/jobs/{Guid.NewGuid()}/candidates", Tenant.Applicant())).ShouldBeSrErrorAsync(HttpStatusCode.NotFound);
        await (await api.PostAsJsonAsync($"/jobs/{filled}/candidates", Tenant.Applicant())).ShouldBeSrErrorAsync(HttpStatusCode.UnprocessableEntity);
        await (await api.PostAsJsonAsync($"/jobs/{cancelled}/candidates", Tenant.Applicant())).ShouldBeSrErrorAsync(HttpStatusCode.UnprocessableEntity);
        (await api.PostAsJsonAsync($"/jobs/{onHold}/candidates", Tenant.Applicant())).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_job_scoped_resume_attachment_arrives_whole()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();
        var candidateId = (await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var cv = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        var attachment = await (await api.PostAsync($"/candidates/{candidateId}/jobs/{jobId}/attachments", Tenant.File(cv, "cv-ada.pdf", "RESUME")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        attachment.Str("type").ShouldBe("RESUME");
        attachment.Str("name").ShouldBe("cv-ada.pdf");
        attachment.Str("contentType").ShouldBe("application/pdf");
        var stored = (await tenant.CandidatesAsync()).Single()!["attachments"]!.AsArray().Single()!;
        stored["size"]!.GetValue<long>().ShouldBe(cv.LongLength);
        stored.Str("sha256").ShouldBe(Convert.ToHexStringLower(SHA256.HashData(cv)));
        stored.Str("jobId").ShouldBe(jobId);
    }

    [Fact]
    public async Task A_candidate_scoped_attachment_defaults_to_generic_file_and_can_be_downloaded_from_the_control_api()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();
        var candidateId = (await (await api.PostAsJsonAsync("/candidates", Tenant.Applicant())).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var letter = Encoding.UTF8.GetBytes("Madame, Monsieur, ...");

        var attachment = await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File(letter, "lettre.txt")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        attachment.Str("type").ShouldBe("GENERIC_FILE");
        (await sandbox.Http().GetByteArrayAsync($"/_sandbox/candidates/{candidateId}/attachments/{attachment.Str("id")}/content")).ShouldBe(letter);
    }

    [Fact]
    public async Task Attachment_errors_are_sr_shaped()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var otherJob = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();
        var candidateId = (await (await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant())).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4 tiny");

        await (await api.PostAsync($"/candidates/{Guid.NewGuid()}/attachments", Tenant.File(pdf, "cv.pdf"))).ShouldBeSrErrorAsync(HttpStatusCode.NotFound);
        await (await api.PostAsync($"/candidates/{candidateId}/jobs/{otherJob}/attachments", Tenant.File(pdf, "cv.pdf"))).ShouldBeSrErrorAsync(HttpStatusCode.NotFound);
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File(pdf, "virus.exe"))).ShouldBeSrErrorAsync(HttpStatusCode.UnsupportedMediaType);
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File(pdf, "cv.pdf", "PASSPORT"))).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.File([], "cv.pdf"))).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", Tenant.Json("{}"))).ShouldBeSrErrorAsync(HttpStatusCode.UnsupportedMediaType);
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", new MultipartFormDataContent { { new StringContent("x"), "other" } }))
            .ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
        var truncated = new StringContent("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\n\r\nabc", Encoding.ASCII);
        truncated.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        await (await api.PostAsync($"/candidates/{candidateId}/attachments", truncated)).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);

        (await tenant.CandidatesAsync()).Single()!["attachments"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Resumes_are_parsed_from_txt_pdf_and_docx()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();

        var fromText = await (await api.PostAsync($"/jobs/{jobId}/candidates/cv",
            Tenant.File(Encoding.UTF8.GetBytes("Curriculum vitae\nJeanne Martin\njeanne.martin@example.fr\n+33 6 11 22 33 44\nExpérience..."), "cv.txt")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var fromPdf = await (await api.PostAsync($"/jobs/{jobId}/candidates/cv", Tenant.File(Pdf("Paul Durand", "paul.durand@example.fr"), "cv.pdf")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var fromDocx = await (await api.PostAsync("/candidates/cv", Tenant.File(Docx("Léa Moreau", "lea.moreau@example.fr"), "cv.docx")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        (fromText.Str("firstName"), fromText.Str("lastName"), fromText.Str("email")).ShouldBe(("Jeanne", "Martin", "jeanne.martin@example.fr"));
        (fromPdf.Str("firstName"), fromPdf.Str("lastName"), fromPdf.Str("email")).ShouldBe(("Paul", "Durand", "paul.durand@example.fr"));
        (fromDocx.Str("firstName"), fromDocx.Str("lastName"), fromDocx.Str("email")).ShouldBe(("Léa", "Moreau", "lea.moreau@example.fr"));
        fromPdf["primaryAssignment"]!["job"].Str("id").ShouldBe(jobId);
        var received = await tenant.CandidatesAsync();
        received.Count.ShouldBe(3);
        received.ShouldAllBe(c => c!["attachments"]!.AsArray().Single()!["type"]!.GetValue<string>() == "RESUME");
        received.Select(c => c.Str("createdVia")).Distinct().ShouldBe(["resume"]);
    }

    [Fact]
    public async Task An_unreadable_resume_gets_422_and_an_unsupported_one_415()
    {
        var tenant = await sandbox.NewTenantAsync();
        var api = await tenant.ApiAsync();

        await (await api.PostAsync("/candidates/cv", Tenant.File(Encoding.ASCII.GetBytes("%PDF-1.7 broken"), "cv.pdf"))).ShouldBeSrErrorAsync(HttpStatusCode.UnprocessableEntity);
        await (await api.PostAsync("/candidates/cv", Tenant.File([0x89, 0x50, 0x4E, 0x47], "cv.png"))).ShouldBeSrErrorAsync(HttpStatusCode.UnsupportedMediaType);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    private static byte[] Pdf(string name, string email)
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        page.AddText(name, 16, new UglyToad.PdfPig.Core.PdfPoint(50, 780), font);
        page.AddText(email, 11, new UglyToad.PdfPig.Core.PdfPoint(50, 750), font);
        page.AddText("Experience professionnelle", 11, new UglyToad.PdfPig.Core.PdfPoint(50, 700), font);
        return builder.Build();
    }

    private static byte[] Docx(string name, string email)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(
                new Paragraph(new Run(new Text(name))),
                new Paragraph(new Run(new Text(email))),
                new Paragraph(new Run(new Text("Expérience")))));
        }

        return stream.ToArray();
    }
}

/// <summary>The duplicate policy is sandbox-wide, so each policy test gets a sandbox of its own.</summary>
public sealed class DuplicatePolicyTests
{
    private static async Task<(HttpResponseMessage First, HttpResponseMessage Second, Tenant Tenant)> ApplyTwiceAsync(string policy)
    {
        await using var sandbox = new SandboxFactory();
        var tenant = await sandbox.NewTenantAsync();
        (await sandbox.Http().PutAsJsonAsync("/_sandbox/settings", new { duplicatePolicy = policy })).EnsureSuccessStatusCode();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();
        var first = await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant("same@example.org"));
        var second = await api.PostAsJsonAsync($"/jobs/{jobId}/candidates", Tenant.Applicant("SAME@example.org"));
        var received = await tenant.CandidatesAsync();
        first.Headers.Add("X-Test-Received", received.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (first, second, tenant);
    }

    [Fact]
    public async Task Create_new_makes_a_second_profile()
    {
        var (first, second, _) = await ApplyTwiceAsync("create-new");

        var a = await first.ShouldBeJsonAsync(HttpStatusCode.Created);
        var b = await second.ShouldBeJsonAsync(HttpStatusCode.Created);
        a.Str("id").ShouldNotBe(b.Str("id"));
        first.Headers.GetValues("X-Test-Received").Single().ShouldBe("2");
    }

    [Fact]
    public async Task Conflict_answers_409_to_the_second_application()
    {
        var (first, second, _) = await ApplyTwiceAsync("conflict");

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        await second.ShouldBeSrErrorAsync(HttpStatusCode.Conflict);
        first.Headers.GetValues("X-Test-Received").Single().ShouldBe("1");
    }

    [Fact]
    public async Task Return_existing_answers_with_the_first_profile()
    {
        var (first, second, _) = await ApplyTwiceAsync("return-existing");

        var a = await first.ShouldBeJsonAsync(HttpStatusCode.Created);
        var b = await second.ShouldBeJsonAsync(HttpStatusCode.Created);
        b.Str("id").ShouldBe(a.Str("id"));
        first.Headers.GetValues("X-Test-Received").Single().ShouldBe("1");
    }
}
