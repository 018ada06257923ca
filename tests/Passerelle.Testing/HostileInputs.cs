using System.Text.Json.Nodes;

namespace Passerelle.Testing;

/// <summary>
/// What one hostile request sends: a fresh <see cref="HttpContent"/> (its own Content-Type header included, however
/// broken) and the request headers to add, such as Idempotency-Key.
/// </summary>
public sealed record HttpRequestMessageParts(HttpContent Content, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>A POST of this content and these headers to <paramref name="requestUri"/>, headers sent unvalidated.</summary>
    public HttpRequestMessage ToRequest(string requestUri)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, requestUri) { Content = Content };
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}

/// <summary>The file at the heart of a file case, so a unit test can hand it to the inspector without HTTP.</summary>
public sealed class HostileFile(string part, string? contentType, string? fileName, Func<byte[]> content)
{
    private readonly Lazy<byte[]> _content = new(content);

    /// <summary><c>cv</c> or <c>coverLetter</c>.</summary>
    public string Part { get; } = part;

    public string? ContentType { get; } = contentType;

    public string? FileName { get; } = fileName;

    public byte[] Content => _content.Value;
}

/// <param name="Name">A snake_case name, unique in <see cref="HostileInputs.All"/>.</param>
/// <param name="Build">Makes a fresh request each call (an HttpContent can be sent once).</param>
/// <param name="ExpectedStatus">The status the intake must answer.</param>
/// <param name="ExpectedCode">The problem code the intake must answer with.</param>
public sealed record HostileCase(string Name, Func<HttpRequestMessageParts> Build, int ExpectedStatus, string ExpectedCode)
{
    /// <summary>For file cases, the offending file; null for the others.</summary>
    public HostileFile? File { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// Hostile requests for the applicant intake (<c>POST /api/v1/connections/{id}/jobs/{jobId}/applications</c>), all made
/// in code, and valid documents of each accepted kind for tests anywhere. Every case but one thing is a valid
/// application, so the answer it expects can only come from that one thing. Every request carries a fresh, valid
/// Idempotency-Key unless the case is about that key.
/// </summary>
public static partial class HostileInputs
{
    /// <summary>The intake's per-file limit (<c>Applications:MaxFileSize</c>) the size cases are built around: 10 MiB.</summary>
    public const int MaxFileSize = 10 * 1024 * 1024;

    /// <summary>The whole body's limit: two files and 1 MiB for the rest.</summary>
    public const int MaxBodySize = (2 * MaxFileSize) + (1024 * 1024);

    /// <summary>The applicant JSON part's limit.</summary>
    public const int MaxApplicantJsonSize = 256 * 1024;

    private const string Boundary = "----PasserelleHostile7MA4YWxkTrZu0gW";
    private const string MultipartType = $"multipart/form-data; boundary={Boundary}";

    private static readonly Dictionary<string, int> Statuses = new(StringComparer.Ordinal)
    {
        ["request.multipart_required"] = 415,
        ["request.multipart_malformed"] = 400,
        ["request.too_large"] = 413,
        ["file.too_large"] = 413,
        ["application.applicant_missing"] = 400,
        ["application.applicant_malformed"] = 400,
        ["application.cv_missing"] = 400,
        ["application.unexpected_part"] = 400,
        ["validation_failed"] = 400,
        ["idempotency.key_invalid"] = 400,
        ["file.empty"] = 400,
        ["file.type_unsupported"] = 415,
        ["file.type_mismatch"] = 415,
        ["file.polyglot"] = 415,
        ["file.corrupt"] = 422,
        ["file.archive_unsafe"] = 422,
        ["file.name_invalid"] = 400,
    };

    /// <summary>Every problem code the intake answers with, and its status.</summary>
    public static IReadOnlyDictionary<string, int> Codes => Statuses;

    public static IEnumerable<HostileCase> All() =>
        [.. RequestCases(), .. PartCases(), .. ApplicantCases(), .. IdempotencyCases(), .. FileCases()];

    /// <summary>A complete, valid applicant (every field filled) with this e-mail address.</summary>
    public static string ValidApplicantJson(string email) => ValidApplicant(email).ToJsonString();

    /// <summary>A valid application: the applicant, a PDF CV and a text cover letter.</summary>
    public static HttpRequestMessageParts ValidRequest(string email = ApplicantEmail, string? idempotencyKey = null) =>
        Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(email))
            .File("cv", ValidPdf(), "application/pdf", "CV Marie Dupont.pdf")
            .File("coverLetter", ValidTxt(), "text/plain", "Lettre de motivation.txt")
            .Close(), idempotencyKey: idempotencyKey);

    private static IEnumerable<HostileCase> RequestCases()
    {
        yield return Case("json_body_instead_of_multipart", "request.multipart_required",
            () => Send(Utf8(ValidApplicantJson(ApplicantEmail)), "application/json"));
        yield return Case("form_urlencoded_body", "request.multipart_required",
            () => Send(Utf8("firstName=Marie&lastName=Dupont&email=marie.dupont%40example.com"), "application/x-www-form-urlencoded"));
        yield return Case("text_plain_body", "request.multipart_required", () => Send(ValidTxt(), "text/plain"));
        yield return Case("no_content_type", "request.multipart_required", () => Send(ValidApplication(), contentType: null));
        yield return Case("multipart_mixed_instead_of_form_data", "request.multipart_required",
            () => Send(ValidApplication(), $"multipart/mixed; boundary={Boundary}"));
        yield return Case("multipart_without_boundary", "request.multipart_malformed", () => Send(ValidApplication(), "multipart/form-data"));
        yield return Case("multipart_wrong_boundary", "request.multipart_malformed",
            () => Send(ValidApplication(), "multipart/form-data; boundary=----SomeOtherBoundary"));
        yield return Case("multipart_truncated_in_a_part", "request.multipart_malformed", () =>
        {
            var body = ValidApplication();
            return Send(body[..(body.Length / 2)]);
        });
        yield return Case("multipart_missing_final_boundary", "request.multipart_malformed", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
            .Unclosed()));
        yield return Case("multipart_part_without_name", "request.multipart_malformed", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .Part("Content-Disposition: form-data; filename=\"cv.pdf\"\r\nContent-Type: application/pdf", ValidPdf())
            .Close()));
        yield return Case("multipart_part_without_content_disposition", "request.multipart_malformed", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .Part("Content-Type: application/pdf", ValidPdf())
            .Close()));
        yield return Case("multipart_empty_body", "request.multipart_malformed", () => Send([]));
        yield return Case("body_over_the_limit", "request.too_large", () => Send(new MultipartBody(Boundary)
            // Each part within its own limit; only the whole body, with a 4 MiB preamble parsers must skip, is too large.
            .Preamble(Filler(4 * 1024 * 1024))
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .File("cv", ValidPdf(9 * 1024 * 1024), "application/pdf", "cv.pdf")
            .File("coverLetter", ValidPdf(9 * 1024 * 1024), "application/pdf", "lettre.pdf")
            .Close()));
    }

    private static IEnumerable<HostileCase> PartCases()
    {
        yield return Case("cv_missing", "application.cv_missing",
            () => Send(new MultipartBody(Boundary).Json("applicant", ValidApplicantJson(ApplicantEmail)).Close()));
        yield return Case("cv_missing_with_cover_letter", "application.cv_missing", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .File("coverLetter", ValidPdf(), "application/pdf", "lettre.pdf")
            .Close()));
        yield return Case("applicant_missing", "application.applicant_missing",
            () => Send(new MultipartBody(Boundary).File("cv", ValidPdf(), "application/pdf", "cv.pdf").Close()));
        yield return Case("cv_given_twice", "application.unexpected_part", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
            .File("cv", ValidDocx(), null, "cv.docx")
            .Close()));
        yield return Case("applicant_given_twice", "application.unexpected_part", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .Json("applicant", ValidApplicantJson("autre@example.com"))
            .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
            .Close()));
        yield return Case("unexpected_file_part", "application.unexpected_part", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
            .File("photo", Png(), "image/png", "photo.png")
            .Close()));
        yield return Case("unexpected_form_field", "application.unexpected_part", () => Send(new MultipartBody(Boundary)
            .Json("applicant", ValidApplicantJson(ApplicantEmail))
            .Field("salary", "45000")
            .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
            .Close()));
    }

    private static IEnumerable<HostileCase> ApplicantCases()
    {
        const string malformed = "application.applicant_malformed";
        yield return ApplicantCase("applicant_not_json", malformed, () => "firstName=Marie&lastName=Dupont");
        yield return ApplicantCase("applicant_json_array", malformed, () => $"[{ValidApplicantJson(ApplicantEmail)}]");
        yield return ApplicantCase("applicant_wrong_type", malformed, () => Applicant(a => a["firstName"] = 42));
        yield return ApplicantCase("applicant_education_not_an_array", malformed,
            () => Applicant(a => a["education"] = new JsonObject { ["institution"] = "Lyon 1" }));
        yield return ApplicantCase("applicant_unknown_field", malformed, () => Applicant(a => a["salary"] = 45000));
        yield return ApplicantCase("applicant_unknown_nested_field", malformed,
            () => Applicant(a => a["location"]!["planet"] = "Mars"));
        yield return ApplicantCase("applicant_trailing_garbage", malformed, () => ValidApplicantJson(ApplicantEmail) + " {\"again\":true}");
        yield return ApplicantCase("applicant_nested_64_deep", malformed,
            () => Applicant(a => a["tags"] = "__DEEP__").Replace("\"__DEEP__\"", new string('[', 64) + new string(']', 64), StringComparison.Ordinal));
        yield return ApplicantCase("applicant_json_of_1_mb", malformed,
            () => Applicant(a => a["experience"]![0]!["description"] = new string('a', 1024 * 1024)));

        const string invalid = "validation_failed";
        yield return ApplicantCase("email_missing", invalid, () => Applicant(a => a.Remove("email")));
        yield return ApplicantCase("first_name_missing", invalid, () => Applicant(a => a.Remove("firstName")));
        yield return ApplicantCase("last_name_blank", invalid, () => Applicant(a => a["lastName"] = "   "));
        yield return ApplicantCase("email_without_at", invalid, () => Applicant(a => a["email"] = "marie.dupont.example.com"));
        yield return ApplicantCase("email_with_space", invalid, () => Applicant(a => a["email"] = "marie dupont@example.com"));
        yield return ApplicantCase("email_with_two_at", invalid, () => Applicant(a => a["email"] = "marie@dupont@example.com"));
        // A domain without a dot is valid RFC 5321 syntax but never delivers on the public internet: refused.
        yield return ApplicantCase("email_domain_without_dot", invalid, () => Applicant(a => a["email"] = "marie@localhost"));
        yield return ApplicantCase("email_with_display_name", invalid, () => Applicant(a => a["email"] = "Marie Dupont <marie.dupont@example.com>"));
        yield return ApplicantCase("email_with_line_break", invalid, () => Applicant(a => a["email"] = "marie.dupont@example.com\r\nBcc: x@example.com"));
        yield return ApplicantCase("email_of_255_chars", invalid,
            () => Applicant(a => a["email"] = new string('m', 64) + "@" + string.Concat(Enumerable.Repeat(new string('d', 62) + ".", 3)) + "example.com"));
        // The JSON reader refuses invalid UTF-16 before any field rule runs: the problem names the path ($.firstName).
        yield return ApplicantCase("first_name_lone_surrogate", "application.applicant_malformed",
            () => Applicant(a => a["firstName"] = "__LONE__").Replace("\"__LONE__\"", "\"Ma\\ud800rie\"", StringComparison.Ordinal));
        yield return ApplicantCase("first_name_with_nul", invalid, () => Applicant(a => a["firstName"] = "Ma\0rie"));
        yield return ApplicantCase("last_name_with_control_character", invalid, () => Applicant(a => a["lastName"] = "Du\u0007pont"));
        yield return ApplicantCase("first_name_of_10000_chars", invalid, () => Applicant(a => a["firstName"] = new string('M', 10_000)));
        yield return ApplicantCase("first_name_of_101_chars", invalid, () => Applicant(a => a["firstName"] = new string('M', 101)));
        yield return ApplicantCase("first_name_zero_width_only", invalid, () => Applicant(a => a["firstName"] = "\u200B"));
        yield return ApplicantCase("consent_not_given", invalid, () => Applicant(a => a["consent"]!["given"] = false));
        yield return ApplicantCase("consent_without_text", invalid, () => Applicant(a => a["consent"]!["text"] = ""));
        yield return ApplicantCase("consent_missing", invalid, () => Applicant(a => a.Remove("consent")));
        yield return ApplicantCase("phone_of_51_chars", invalid, () => Applicant(a => a["phoneNumber"] = "+33 " + new string('6', 47)));
        yield return ApplicantCase("tags_21", invalid,
            () => Applicant(a => a["tags"] = new JsonArray([.. Enumerable.Range(1, 21).Select(i => (JsonNode)JsonValue.Create($"tag{i}"))])));
        yield return ApplicantCase("tag_of_51_chars", invalid, () => Applicant(a => a["tags"] = new JsonArray(new string('t', 51))));
        yield return ApplicantCase("experience_31_items", invalid,
            () => Applicant(a => a["experience"] = new JsonArray([.. Enumerable.Range(1, 31).Select(_ => (JsonNode)Experience())])));
        yield return ApplicantCase("education_31_items", invalid,
            () => Applicant(a => a["education"] = new JsonArray([.. Enumerable.Range(1, 31).Select(_ => (JsonNode)Education())])));
        yield return ApplicantCase("description_of_4001_chars", invalid,
            () => Applicant(a => a["experience"]![0]!["description"] = new string('d', 4_001)));
    }

    private static IEnumerable<HostileCase> IdempotencyCases()
    {
        const string invalid = "idempotency.key_invalid";
        // (An empty header is not in the corpus: HTTP clients drop it, so the server never sees it; it is refused when it does arrive.)
        yield return Case("idempotency_key_of_201_chars", invalid, () => Send(ValidApplication(), idempotencyKey: new string('k', 201)));
        yield return Case("idempotency_key_with_control_character", invalid, () => Send(ValidApplication(), idempotencyKey: "key\u0007bell"));
        yield return Case("idempotency_key_not_ascii", invalid, () => Send(ValidApplication(), idempotencyKey: "clé-idempotence"));
    }

    private static IEnumerable<HostileCase> FileCases()
    {
        const string cv = "cv", coverLetter = "coverLetter";
        yield return FileCase("cv_empty", "file.empty", new(cv, "application/pdf", "cv.pdf", () => []));
        yield return FileCase("cover_letter_empty", "file.empty", new(coverLetter, "application/pdf", "lettre.pdf", () => []));

        yield return FileCase("pdf_declared_png", "file.type_mismatch", new(cv, "image/png", "cv.pdf", () => ValidPdf()));
        yield return FileCase("pdf_named_docx", "file.type_mismatch", new(cv, "application/octet-stream", "cv.docx", () => ValidPdf()));
        yield return FileCase("pdf_named_exe", "file.type_mismatch", new(cv, null, "cv.exe", () => ValidPdf()));
        yield return FileCase("docx_named_js", "file.type_mismatch", new(cv, "application/javascript", "cv.js", ValidDocx));
        yield return FileCase("txt_named_html", "file.type_mismatch", new(cv, "text/html", "cv.html", ValidTxt));
        yield return FileCase("rtf_declared_pdf", "file.type_mismatch", new(cv, "application/pdf", "cv.rtf", ValidRtf));

        yield return FileCase("png_declared_pdf", "file.type_unsupported", new(cv, "application/pdf", "cv.pdf", Png));
        yield return FileCase("windows_exe_named_cv_pdf", "file.type_unsupported", new(cv, "application/pdf", "cv.pdf", WindowsExecutable));
        yield return FileCase("linux_elf_named_cv_pdf", "file.type_unsupported", new(cv, "application/pdf", "cv.pdf", LinuxExecutable));
        yield return FileCase("gzip_named_docx", "file.type_unsupported", new(cv, null, "cv.docx", Gzip));
        yield return FileCase("html_named_txt", "file.type_unsupported", new(cv, "text/plain", "cv.txt", Html));
        yield return FileCase("svg_with_script", "file.type_unsupported", new(cv, "image/svg+xml", "cv.svg", Svg));
        yield return FileCase("xml_with_external_entity", "file.type_unsupported", new(cv, "text/plain", "cv.txt", Xml));
        yield return FileCase("plain_zip", "file.type_unsupported", new(cv, "application/zip", "cv.zip", PlainZip));
        yield return FileCase("spreadsheet_named_docx", "file.type_unsupported", new(cv, null, "cv.docx", Spreadsheet));
        yield return FileCase("docx_with_macros", "file.type_unsupported", new(cv, null, "cv.docx", DocxWithMacros));
        yield return FileCase("cover_letter_exe", "file.type_unsupported", new(coverLetter, "application/pdf", "lettre.pdf", WindowsExecutable));

        yield return FileCase("pdf_with_zip_appended", "file.polyglot", new(cv, "application/pdf", "cv.pdf", PdfWithZipAppended));
        yield return FileCase("gifar_gif_with_docx_appended", "file.polyglot", new(cv, "image/gif", "cv.gif", Gifar));
        yield return FileCase("html_prefixed_pdf", "file.polyglot", new(cv, "application/pdf", "cv.pdf", HtmlPrefixedPdf));
        yield return FileCase("html_prefixed_docx", "file.polyglot", new(cv, null, "cv.docx", HtmlPrefixedDocx));
        yield return FileCase("zip_with_pdf_header_inside", "file.polyglot", new(cv, null, "cv.docx", ZipWithPdfInside));
        yield return FileCase("cover_letter_polyglot", "file.polyglot", new(coverLetter, "application/pdf", "lettre.pdf", PdfWithZipAppended));

        yield return FileCase("zip_bomb_ratio", "file.archive_unsafe", new(cv, null, "cv.docx", () => RatioBombDocx.Value));
        yield return FileCase("zip_too_many_entries", "file.archive_unsafe", new(cv, null, "cv.docx", () => CrowdedDocx.Value));
        yield return FileCase("zip_lying_sizes", "file.archive_unsafe", new(cv, null, "cv.docx", () => LyingSizesDocx.Value));
        yield return FileCase("zip_nested_archive", "file.archive_unsafe", new(cv, null, "cv.docx", NestedZipDocx));
        yield return FileCase("zip_entry_escaping_path", "file.archive_unsafe", new(cv, null, "cv.docx", ZipSlipDocx));

        yield return FileCase("pdf_truncated", "file.corrupt", new(cv, "application/pdf", "cv.pdf", TruncatedPdf));
        yield return FileCase("docx_without_document", "file.corrupt", new(cv, null, "cv.docx", DocxWithoutDocument));
        yield return FileCase("odt_compressed_mimetype", "file.corrupt", new(cv, null, "cv.odt", OdtWithCompressedMimetype));
        yield return FileCase("doc_too_short", "file.corrupt", new(cv, "application/msword", "cv.doc", ShortDoc));
        yield return FileCase("rtf_truncated", "file.corrupt", new(cv, "application/rtf", "cv.rtf", TruncatedRtf));
        yield return FileCase("txt_latin1", "file.corrupt", new(cv, "text/plain", "cv.txt", Latin1Text));
        yield return FileCase("txt_with_nul", "file.corrupt", new(cv, "text/plain", "cv.txt", TextWithNul));
        yield return FileCase("zip_unreadable", "file.corrupt", new(cv, null, "cv.docx", UnreadableZip));

        yield return FileCase("name_path_traversal", "file.name_invalid", new(cv, "application/pdf", "../../etc/passwd.pdf", () => ValidPdf()));
        yield return FileCase("name_right_to_left_override", "file.name_invalid", new(cv, "application/pdf", "cv\u202Etxt.exe", () => ValidPdf()));
        yield return FileCase("name_control_character", "file.name_invalid", new(cv, "application/pdf", "cv\u0007.pdf", () => ValidPdf()));
        yield return FileCase("name_nul", "file.name_invalid", new(cv, "application/pdf", "cv\0.pdf", () => ValidPdf()));
        yield return FileCase("name_of_300_chars", "file.name_invalid", new(cv, "application/pdf", new string('n', 296) + ".pdf", () => ValidPdf()));
        yield return FileCase("name_only_dots", "file.name_invalid", new(cv, "application/pdf", "...", () => ValidPdf()));

        // Sent with a correct Content-Length: the intake can refuse them before reading them whole.
        yield return FileCase("cv_one_byte_over_the_limit", "file.too_large", new(cv, "application/pdf", "cv.pdf", () => ValidPdf(MaxFileSize + 1)));
        yield return FileCase("cover_letter_one_byte_over_the_limit", "file.too_large",
            new(coverLetter, "application/pdf", "lettre.pdf", () => ValidPdf(MaxFileSize + 1)));
    }

    private static HostileCase Case(string name, string code, Func<HttpRequestMessageParts> build) => new(name, build, Statuses[code], code);

    private static HostileCase ApplicantCase(string name, string code, Func<string> json) => Case(name, code, () => Send(new MultipartBody(Boundary)
        .Json("applicant", json())
        .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
        .Close()));

    private static HostileCase FileCase(string name, string code, HostileFile file) => new(name, () =>
    {
        var body = new MultipartBody(Boundary).Json("applicant", ValidApplicantJson(ApplicantEmail));
        if (file.Part != "cv")
        {
            body.File("cv", ValidPdf(), "application/pdf", "cv.pdf");
        }

        return Send(body.File(file.Part, file.Content, file.ContentType, file.FileName).Close());
    }, Statuses[code], code)
    {
        File = file,
    };

    private static byte[] ValidApplication() => new MultipartBody(Boundary)
        .Json("applicant", ValidApplicantJson(ApplicantEmail))
        .File("cv", ValidPdf(), "application/pdf", "cv.pdf")
        .Close();

    private static HttpRequestMessageParts Send(byte[] body, string? contentType = MultipartType, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return new HttpRequestMessageParts(content, new Dictionary<string, string>
        {
            ["Idempotency-Key"] = idempotencyKey ?? $"hostile-{Guid.NewGuid():N}",
        });
    }

    private static string Applicant(Action<JsonObject> change)
    {
        var applicant = ValidApplicant(ApplicantEmail);
        change(applicant);
        return applicant.ToJsonString();
    }

    private static JsonObject ValidApplicant(string email) => new()
    {
        ["firstName"] = "Marie",
        ["lastName"] = "Dupont",
        ["email"] = email,
        ["phoneNumber"] = "+33 6 12 34 56 78",
        ["location"] = new JsonObject
        {
            ["country"] = "France", ["countryCode"] = "FR", ["region"] = "Auvergne-Rhône-Alpes", ["regionCode"] = "ARA", ["city"] = "Lyon",
        },
        ["web"] = new JsonObject
        {
            ["linkedin"] = "https://www.linkedin.com/in/marie-dupont",
            ["website"] = "https://marie-dupont.example",
            ["twitter"] = "https://twitter.com/mariedupont",
            ["facebook"] = "https://www.facebook.com/marie.dupont",
            ["skype"] = "marie.dupont",
        },
        ["education"] = new JsonArray(Education()),
        ["experience"] = new JsonArray(Experience()),
        ["tags"] = new JsonArray("C#", ".NET", "PostgreSQL"),
        ["consent"] = new JsonObject
        {
            ["given"] = true,
            ["text"] = "J'accepte que mes données soient transmises au recruteur pour cette candidature.",
            ["version"] = "2026-01",
        },
        ["channel"] = "hellowork",
        ["externalId"] = "hw-1234567",
    };

    private static JsonObject Education() => new()
    {
        ["institution"] = "Université Claude Bernard Lyon 1",
        ["degree"] = "Master",
        ["major"] = "Informatique",
        ["current"] = false,
        ["startDate"] = "2014-09-01",
        ["endDate"] = "2016-06-30",
        ["location"] = "Lyon",
        ["description"] = "Génie logiciel et bases de données.",
    };

    private static JsonObject Experience() => new()
    {
        ["title"] = "Développeuse .NET",
        ["company"] = "Exemple SA",
        ["current"] = true,
        ["startDate"] = "2016-09-01",
        ["location"] = "Lyon",
        ["description"] = "API ASP.NET Core, PostgreSQL, intégrations RH.",
    };
}
