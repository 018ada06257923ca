using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DocumentFormat.OpenXml.Packaging;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Passerelle.Sandbox.Candidates;

internal sealed record ParsedResume(string? FirstName, string? LastName, string? Email, string? PhoneNumber);

/// <summary>
/// A best-effort stand-in for SR's resume parsing: extract the text, then take the first e-mail address, the first
/// phone-like number and the first line that looks like a person's name. Good enough to show the flow; SR's real
/// parser is far better, which is why Passerelle creates candidates from JSON by default.
/// </summary>
internal static partial class ResumeParser
{
    public static readonly IReadOnlyList<string> Extensions = ["pdf", "doc", "docx", "rtf", "odt", "txt"];

    private static readonly string[] Headings = ["curriculum", "vitae", "resume", "résumé", "cv", "profile", "profil", "contact"];

    public static ParsedResume? Parse(string extension, byte[] content)
    {
        string text;
        try
        {
            text = extension switch
            {
                "txt" => Encoding.UTF8.GetString(content),
                "pdf" => Pdf(content),
                "docx" => Docx(content),
                "odt" => Odt(content),
                "rtf" => Rtf(Encoding.Latin1.GetString(content)),
                _ => PrintableRuns(content),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Third-party parsers throw many kinds of exception on damaged files; whatever the file, the caller gets a
            // clear 422, never a 500.
            return null;
        }

        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var email = EmailPattern().Match(text) is { Success: true } e1 ? e1.Value : null;
        var phone = PhonePattern().Match(text) is { Success: true } p ? p.Value.Trim() : null;
        var name = lines.Select(NameIn).FirstOrDefault(n => n is not null);
        if (email is null && name is null)
        {
            return null;
        }

        return new ParsedResume(name?.First, name?.Last, email, phone);
    }

    private static (string First, string Last)? NameIn(string line)
    {
        var labelled = line.Split(':', 2);
        if (labelled.Length == 2 && labelled[0].Trim().ToLowerInvariant() is "name" or "nom")
        {
            line = labelled[1];
        }

        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length is < 2 or > 4 || !words.All(w => NameWord().IsMatch(w))
            || words.Any(w => Headings.Contains(w.ToLowerInvariant())))
        {
            return null;
        }

        return (words[0], string.Join(' ', words.Skip(1)));
    }

    private static string Pdf(byte[] content)
    {
        using var document = PdfDocument.Open(content);
        var text = new StringBuilder();
        foreach (var page in document.GetPages())
        {
            text.AppendLine(ContentOrderTextExtractor.GetText(page));
        }

        return text.ToString();
    }

    private static string Docx(byte[] content)
    {
        using var stream = new MemoryStream(content);
        using var document = WordprocessingDocument.Open(stream, false);
        var body = document.MainDocumentPart?.Document?.Body;
        return body is null
            ? ""
            : string.Join('\n', body.Descendants<DocumentFormat.OpenXml.Wordprocessing.Paragraph>().Select(p => p.InnerText));
    }

    private static string Odt(byte[] content)
    {
        using var archive = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
        var entry = archive.GetEntry("content.xml") ?? throw new InvalidDataException("No content.xml in the ODT file.");
        if (entry.Length > 20 * 1024 * 1024)
        {
            throw new InvalidDataException("content.xml is implausibly large.");
        }

        using var xml = entry.Open();
        var document = XDocument.Load(xml);
        XNamespace textNs = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
        return string.Join('\n', document.Descendants().Where(e => e.Name == textNs + "p" || e.Name == textNs + "h").Select(e => e.Value));
    }

    private static string Rtf(string rtf)
    {
        var withoutGroups = RtfIgnorableGroup().Replace(rtf, "");
        var withBreaks = RtfParagraph().Replace(withoutGroups, "\n");
        return RtfControl().Replace(withBreaks, "").Replace("{", "", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal);
    }

    private static string PrintableRuns(byte[] content) =>
        string.Join('\n', PrintableRun().Matches(Encoding.Latin1.GetString(content)).Select(m => m.Value));

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w@])\+?\d[\d .\-()]{7,}\d")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[\p{Lu}][\p{L}'\-]*$")]
    private static partial Regex NameWord();

    [GeneratedRegex(@"\{\\\*[^{}]*\}")]
    private static partial Regex RtfIgnorableGroup();

    [GeneratedRegex(@"\\par[d]?\b")]
    private static partial Regex RtfParagraph();

    [GeneratedRegex(@"\\[a-z]+-?\d* ?|\\'[0-9a-f]{2}")]
    private static partial Regex RtfControl();

    [GeneratedRegex(@"[\x20-\x7E\xC0-\xFF]{4,}")]
    private static partial Regex PrintableRun();
}
