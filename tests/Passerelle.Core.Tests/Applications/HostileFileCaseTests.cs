using Passerelle.Core.Applications.Files;
using Passerelle.Testing;

namespace Passerelle.Core.Tests.Applications;

/// <summary>The file cases of the intake's hostile corpus, judged by the inspector alone (the API test sends them all).</summary>
public sealed class HostileFileCaseTests
{
    private static readonly string[] InspectorCodes =
    [
        CvProblems.Empty, CvProblems.TypeUnsupported, CvProblems.TypeMismatch, CvProblems.Polyglot, CvProblems.Corrupt,
        CvProblems.ArchiveUnsafe, CvProblems.NameInvalid,
    ];

    public static TheoryData<string> InspectorCases =>
        [.. HostileInputs.All().Where(c => c.File is not null && InspectorCodes.Contains(c.ExpectedCode)).Select(c => c.Name)];

    public static TheoryData<string> OversizedCases =>
        [.. HostileInputs.All().Where(c => c.ExpectedCode == "file.too_large").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(InspectorCases))]
    public void The_inspector_refuses_the_file_with_the_code_and_status_the_corpus_expects(string name)
    {
        var hostile = HostileInputs.All().Single(c => c.Name == name);
        var file = hostile.File!;

        var rejected = new CvInspector().Inspect(file.Content, file.ContentType, file.FileName, file.Part)
            .ShouldBeOfType<CvRejected>($"{name} was accepted");

        rejected.Code.ShouldBe(hostile.ExpectedCode, rejected.Detail);
        rejected.Status.ShouldBe(hostile.ExpectedStatus);
        rejected.Detail.ShouldEndWith(".");
        foreach (var personal in new[] { "Marie", "Dupont", "example.com", "alert(" })
        {
            rejected.Detail.ShouldNotContain(personal, Case.Insensitive, "a detail never quotes the file");
        }

        if (file.FileName is { Length: > 3 })
        {
            rejected.Detail.ShouldNotContain(file.FileName, Case.Insensitive, "a detail never quotes the file's name");
        }
    }

    [Theory]
    [MemberData(nameof(OversizedCases))]
    public void Oversized_files_are_valid_documents_so_only_the_size_limit_refuses_them(string name)
    {
        var file = HostileInputs.All().Single(c => c.Name == name).File!;

        file.Content.Length.ShouldBe(HostileInputs.MaxFileSize + 1);
        new CvInspector().Inspect(file.Content, file.ContentType, file.FileName, file.Part).ShouldBeOfType<CvAccepted>();
    }

    [Fact]
    public void The_corpus_is_large_named_uniquely_and_speaks_only_the_intake_codes()
    {
        var cases = HostileInputs.All().ToList();

        cases.Count.ShouldBeGreaterThanOrEqualTo(45);
        cases.Select(c => c.Name).ShouldBeUnique();
        foreach (var hostile in cases)
        {
            HostileInputs.Codes.ShouldContainKey(hostile.ExpectedCode);
            hostile.ExpectedStatus.ShouldBe(HostileInputs.Codes[hostile.ExpectedCode]);
        }

        InspectorCodes.ShouldAllBe(code => cases.Any(c => c.ExpectedCode == code), "every inspector code has a case");
        HostileInputs.Codes.Keys.ShouldAllBe(code => cases.Any(c => c.ExpectedCode == code), "every intake code has a case");
    }

    [Fact]
    public void Every_case_builds_a_request_with_a_content_and_an_idempotency_key()
    {
        foreach (var hostile in HostileInputs.All().Where(c => c.ExpectedCode != "request.too_large" && c.ExpectedCode != "file.too_large"))
        {
            var parts = hostile.Build();
            using var request = parts.ToRequest("/api/v1/connections/c/jobs/j/applications");

            request.Method.ShouldBe(HttpMethod.Post);
            request.Content.ShouldNotBeNull();
            request.Headers.Contains("Idempotency-Key").ShouldBeTrue(hostile.Name);
        }
    }

    [Fact]
    public void The_valid_request_passes_the_inspector_for_both_files()
    {
        var inspector = new CvInspector();

        inspector.Inspect(HostileInputs.ValidPdf(), "application/pdf", "CV Marie Dupont.pdf", "cv").ShouldBeOfType<CvAccepted>();
        inspector.Inspect(HostileInputs.ValidTxt(), "text/plain", "Lettre de motivation.txt", "coverLetter").ShouldBeOfType<CvAccepted>();
        HostileInputs.ValidRequest().Content.Headers.ContentType!.MediaType.ShouldBe("multipart/form-data");
    }
}
