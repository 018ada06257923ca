using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Passerelle.Core.Applications.Files;

/// <summary>
/// Decides what an applicant's file is from its bytes, never from what the sender declared, and whether it is safe
/// to store and pass on to SmartRecruiters. Pure: it reads the given bytes and nothing else. The checks run from the
/// cheapest to the dearest, so a hostile file is refused before anything is inflated: empty, name, polyglot, kind by
/// content, declared type and extension against that kind, then the kind's own structure (inflating DOCX and ODT
/// under caps last).
/// </summary>
public sealed class CvInspector
{
    internal const string AcceptedKindsSentence =
        "Send the document as PDF, Word (DOC or DOCX), RTF, OpenDocument text (ODT) or UTF-8 plain text.";

    private const int PdfHeaderWindow = 1024;
    private const int PdfTrailerWindow = 1024;
    private const int TextSample = 8 * 1024;
    private const int OleHeaderSize = 512;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Utf16LittleEndianBom => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BigEndianBom => [0xFE, 0xFF];

    private static readonly byte[] OleMagic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    // "WordDocument" as a compound file's directory spells it (UTF-16LE): the stream every Word 97-2003 file has.
    private static readonly byte[] WordDocumentStreamName = Encoding.Unicode.GetBytes("WordDocument");

    // Formats that are not documents, named so that a text-looking one (a script, PostScript) is not taken for text.
    private static readonly byte[][] OtherFormatMagics =
    [
        [0x89, 0x50, 0x4E, 0x47], "GIF8"u8.ToArray(), [0xFF, 0xD8, 0xFF], "MZ"u8.ToArray(), [0x7F, 0x45, 0x4C, 0x46],
        [0x1F, 0x8B], [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "Rar!"u8.ToArray(), "BZh"u8.ToArray(),
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x28, 0xB5, 0x2F, 0xFD], [0xCA, 0xFE, 0xBA, 0xBE], [0xCF, 0xFA, 0xED, 0xFE],
        [0xCE, 0xFA, 0xED, 0xFE], [0x00, 0x61, 0x73, 0x6D], "RIFF"u8.ToArray(), "OggS"u8.ToArray(), "ID3"u8.ToArray(),
        "II*\0"u8.ToArray(), "MM\0*"u8.ToArray(), "PK\x05\x06"u8.ToArray(), "PK\x07\x08"u8.ToArray(),
        "SQLite format 3\0"u8.ToArray(), "%!"u8.ToArray(), "#!"u8.ToArray(),
    ];

    // Text a browser would render or run rather than show: refused as HTML, SVG or XML rather than accepted as text.
    private static readonly string[] MarkupStarts =
        ["<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe", "<object", "<embed", "<!--"];

    // Bytes that never occur in a text document: NUL and the C0 controls other than tab, line feed, form feed and
    // carriage return, and DEL.
    private static readonly SearchValues<byte> ControlBytes = SearchValues.Create(
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0B, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
         0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x7F]);

    private static readonly SearchValues<char> ControlChars = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    private static readonly Dictionary<string, CvKind> KnownExtensions = new(StringComparer.Ordinal)
    {
        ["pdf"] = CvKind.Pdf, ["doc"] = CvKind.Doc, ["docx"] = CvKind.Docx, ["rtf"] = CvKind.Rtf, ["odt"] = CvKind.Odt,
        ["txt"] = CvKind.Txt, ["text"] = CvKind.Txt,
    };

    // What senders really put in Content-Type for each kind. A ZIP type is true of DOCX and ODT, so it is no lie.
    private static readonly Dictionary<string, CvKind[]> KnownMediaTypes = new(StringComparer.Ordinal)
    {
        ["application/pdf"] = [CvKind.Pdf], ["application/x-pdf"] = [CvKind.Pdf], ["application/acrobat"] = [CvKind.Pdf],
        ["text/pdf"] = [CvKind.Pdf],
        ["application/msword"] = [CvKind.Doc], ["application/doc"] = [CvKind.Doc], ["application/vnd.ms-word"] = [CvKind.Doc],
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"] = [CvKind.Docx],
        ["application/rtf"] = [CvKind.Rtf], ["text/rtf"] = [CvKind.Rtf], ["application/x-rtf"] = [CvKind.Rtf],
        ["text/richtext"] = [CvKind.Rtf],
        ["application/vnd.oasis.opendocument.text"] = [CvKind.Odt],
        ["text/plain"] = [CvKind.Txt],
        ["application/zip"] = [CvKind.Docx, CvKind.Odt], ["application/x-zip-compressed"] = [CvKind.Docx, CvKind.Odt],
    };

    // Types that say "some file" without naming one: what a browser sends when it does not know the extension.
    private static readonly HashSet<string> GenericMediaTypes = new(StringComparer.Ordinal)
    {
        "application/octet-stream", "binary/octet-stream", "application/unknown",
    };

    private readonly CvInspectorOptions _options;

    public CvInspector()
        : this(new CvInspectorOptions())
    {
    }

    public CvInspector(CvInspectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    internal static CvRejected Unreadable { get; } =
        Corrupt("The document's ZIP structure cannot be read: save it again and send the complete file.");

    private static CvRejected EmptyText { get; } =
        new(CvProblems.Empty, (int)HttpStatusCode.BadRequest, "The text file has no text in it: attach the document itself.");

    /// <param name="content">The whole file, as received.</param>
    /// <param name="declaredContentType">The part's Content-Type, if any; judged only against the content.</param>
    /// <param name="declaredFileName">The part's file name, if any, possibly with a client path before it.</param>
    /// <param name="fallbackBaseName">The name (without extension) to use when none was declared, e.g. <c>cv</c>.</param>
    public CvInspection Inspect(ReadOnlyMemory<byte> content, string? declaredContentType, string? declaredFileName, string fallbackBaseName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fallbackBaseName);
        if (content.IsEmpty)
        {
            return new CvRejected(CvProblems.Empty, (int)HttpStatusCode.BadRequest, "The file is empty: attach the document itself.");
        }

        if (!string.IsNullOrEmpty(declaredFileName) && CvFileNames.Problem(declaredFileName) is { } nameProblem)
        {
            return new CvRejected(CvProblems.NameInvalid, (int)HttpStatusCode.BadRequest, nameProblem);
        }

        if (IsPolyglot(content.Span))
        {
            return new CvRejected(CvProblems.Polyglot, (int)HttpStatusCode.UnsupportedMediaType,
                "The file is valid as more than one format at once, which is how malicious files hide: export the document again (for example print it to PDF) and send that.");
        }

        var (kind, archive, rejection) = Sniff(content);
        if (rejection is not null)
        {
            return rejection;
        }

        if (!Declared(kind, declaredContentType, declaredFileName))
        {
            return new CvRejected(CvProblems.TypeMismatch, (int)HttpStatusCode.UnsupportedMediaType,
                $"The declared type or the file name's extension says another kind of file than its content ({kind.Extension().ToUpperInvariant()}): send it with its true extension and type, or as application/octet-stream.");
        }

        return (CvInspection?)Validate(kind, content.Span, archive)
            ?? new CvAccepted(kind, MediaTypeOf(kind, content.Span), CvFileNames.Safe(declaredFileName, kind, fallbackBaseName));
    }

    internal static CvRejected Corrupt(string detail) => new(CvProblems.Corrupt, (int)HttpStatusCode.UnprocessableEntity, detail);

    internal static CvRejected Unsupported(string detail) => new(CvProblems.TypeUnsupported, (int)HttpStatusCode.UnsupportedMediaType, detail);

    internal static CvRejected Unsafe(string reason) => new(CvProblems.ArchiveUnsafe, (int)HttpStatusCode.UnprocessableEntity,
        $"The document is unsafe to open because {reason}: save it again with Word or LibreOffice, or send it as PDF.");

    internal static ArraySegment<byte> ArrayOf(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment) ? segment : new ArraySegment<byte>(content.ToArray());

    // The content is passed on as it came, so UTF-16 text (accepted with its byte order mark) keeps a label that says
    // so: "utf-16" with a BOM is exactly right (RFC 2781), where the canonical "utf-8" would garble it downstream.
    private static string MediaTypeOf(CvKind kind, ReadOnlySpan<byte> bytes) =>
        kind == CvKind.Txt && (bytes.StartsWith(Utf16LittleEndianBom) || bytes.StartsWith(Utf16BigEndianBom))
            ? "text/plain; charset=utf-16"
            : kind.MediaType();

    private static bool IsPolyglot(ReadOnlySpan<byte> bytes)
    {
        // PDF readers look for the header anywhere in the first 1,024 bytes: a PDF header after some other start makes
        // the file a PDF too (HTML-prefixed PDFs, ZIPs carrying a PDF in their first entry).
        if (bytes[..Math.Min(PdfHeaderWindow, bytes.Length)].IndexOf("%PDF-"u8) > 0)
        {
            return true;
        }

        // ZIP readers start from the end-of-directory record near the end: one there makes any file a ZIP too, unless
        // the file is plainly a ZIP from its first byte (PDF+ZIP, GIF+JAR, an HTML page with an archive appended).
        return CvArchive.FindEndRecord(bytes) >= 0 && !bytes.StartsWith("PK\x03\x04"u8) && !bytes.StartsWith("PK\x05\x06"u8);
    }

    private (CvKind Kind, CvArchive? Archive, CvRejected? Rejection) Sniff(ReadOnlyMemory<byte> content)
    {
        var bytes = content.Span;
        if (bytes.StartsWith("%PDF-"u8))
        {
            return (CvKind.Pdf, null, null);
        }

        if (bytes.StartsWith(OleMagic))
        {
            return (CvKind.Doc, null, SniffCompoundFile(bytes));
        }

        if (bytes.StartsWith("PK\x03\x04"u8))
        {
            var (archive, unreadable) = CvArchive.Open(content, _options);
            if (archive is null)
            {
                return (default, null, unreadable);
            }

            var (kind, rejection) = archive.Classify();
            return (kind ?? default, archive, rejection);
        }

        // "{\" opens every RTF file; what follows is checked with the rest of its structure.
        if (bytes.StartsWith("{\\"u8))
        {
            return (CvKind.Rtf, null, null);
        }

        foreach (var magic in OtherFormatMagics)
        {
            if (bytes.StartsWith(magic))
            {
                return (default, null, Unsupported(AcceptedKindsSentence));
            }
        }

        return (CvKind.Txt, null, SniffText(bytes));
    }

    private static CvRejected? SniffCompoundFile(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < OleHeaderSize)
        {
            return Corrupt("The Word 97-2003 document is cut short: save it again (or as .docx or PDF) and send the complete file.");
        }

        // The compound-file header: little-endian byte order mark, version 3 with 512-byte sectors or 4 with 4,096.
        var major = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x1A..]);
        var byteOrder = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x1C..]);
        var sectorShift = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x1E..]);
        if (byteOrder != 0xFFFE || !(major == 3 && sectorShift == 9 || major == 4 && sectorShift == 12))
        {
            return Corrupt("The Word 97-2003 document is damaged: save it again (or as .docx or PDF) and send that.");
        }

        // Excel, PowerPoint and Outlook files, and password-protected DOCX files, are compound files too.
        return bytes.IndexOf(WordDocumentStreamName) < 0
            ? Unsupported("This Office 97-2003 file is not a Word document, or it is password-protected: send the document as PDF or as a Word document without a password.")
            : null;
    }

    private static CvRejected? SniffText(ReadOnlySpan<byte> bytes)
    {
        string start;
        if (bytes.StartsWith(Utf16LittleEndianBom) || bytes.StartsWith(Utf16BigEndianBom))
        {
            var encoding = bytes[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
            start = encoding.GetString(bytes[2..Math.Min(bytes.Length & ~1, 512)]);
        }
        else
        {
            var text = bytes.StartsWith(Utf8Bom) ? bytes[3..] : bytes;
            var sample = text[..Math.Min(TextSample, text.Length)];
            // More than 1% of bytes that never occur in text means binary data of some other kind; a few mean text
            // with damage in it, which is judged (and explained) as a damaged text file later.
            var controls = sample.Length - CountOutside(sample);
            if (controls * 100 > sample.Length)
            {
                return Unsupported(AcceptedKindsSentence);
            }

            start = Encoding.UTF8.GetString(sample[..Math.Min(256, sample.Length)]);
        }

        start = start.TrimStart();
        return MarkupStarts.Any(markup => start.StartsWith(markup, StringComparison.OrdinalIgnoreCase))
            ? Unsupported("HTML, SVG and XML files are not accepted: send the document as PDF, Word (DOC or DOCX), RTF, OpenDocument text (ODT) or plain text.")
            : null;
    }

    private static int CountOutside(ReadOnlySpan<byte> sample)
    {
        var outside = 0;
        foreach (var b in sample)
        {
            if (!ControlBytes.Contains(b))
            {
                outside++;
            }
        }

        return outside;
    }

    private static bool Declared(CvKind kind, string? contentType, string? fileName)
    {
        // Any extension that is not the content's own is refused, known or not: "cv.exe", "cv.html" or "cv.docx" on
        // a PDF are lies a person or a program downstream could act on.
        if (!string.IsNullOrEmpty(fileName) && CvFileNames.Extension(fileName) is { } extension
            && (!KnownExtensions.TryGetValue(extension, out var named) || named != kind))
        {
            return false;
        }

        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(mediaType)
            || GenericMediaTypes.Contains(mediaType)
            || (KnownMediaTypes.TryGetValue(mediaType, out var kinds) && kinds.Contains(kind));
    }

    private CvRejected? Validate(CvKind kind, ReadOnlySpan<byte> bytes, CvArchive? archive) => kind switch
    {
        CvKind.Pdf => ValidatePdf(bytes),
        CvKind.Rtf => ValidateRtf(bytes),
        CvKind.Txt => ValidateText(bytes),
        CvKind.Docx or CvKind.Odt => archive!.Verify(_options),
        _ => null,
    };

    private static CvRejected? ValidatePdf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 6 || !char.IsAsciiDigit((char)bytes[5]))
        {
            return Corrupt("The PDF is damaged (its header has no version): export it again and send that.");
        }

        // Every complete PDF ends with %%EOF (a few bytes of padding may follow); a missing one means a cut transfer.
        return bytes[^Math.Min(PdfTrailerWindow, bytes.Length)..].IndexOf("%%EOF"u8) < 0
            ? Corrupt("The PDF is incomplete (it has no end-of-file marker): export it again and send the complete file.")
            : null;
    }

    private static CvRejected? ValidateRtf(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.StartsWith("{\\rtf"u8))
        {
            return Corrupt("The RTF document is damaged (it does not start with an RTF header): save it again and send that.");
        }

        // Writers pad with whitespace or NULs after the closing brace; anything else there means a cut file.
        var end = bytes.TrimEnd(" \t\r\n\0"u8);
        return end[^1] != (byte)'}'
            ? Corrupt("The RTF document is incomplete: save it again and send the complete file.")
            : null;
    }

    private static CvRejected? ValidateText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Utf16LittleEndianBom) || bytes.StartsWith(Utf16BigEndianBom))
        {
            return ValidateUtf16(bytes[2..], bigEndian: bytes[0] == 0xFE);
        }

        var text = bytes.StartsWith(Utf8Bom) ? bytes[3..] : bytes;
        if (!Utf8.IsValid(text))
        {
            return Corrupt("The text file is not valid UTF-8: save it as UTF-8 (or export it as PDF) and send that.");
        }

        if (text.ContainsAny(ControlBytes))
        {
            return Corrupt("The text file contains control characters (such as NUL) that text never has: save it again as plain UTF-8 text and send that.");
        }

        return text.Trim(" \t\r\n\f"u8).IsEmpty ? EmptyText : null;
    }

    private static CvRejected? ValidateUtf16(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        var invalid = Corrupt("The text file is not valid UTF-16: save it as UTF-8 (or export it as PDF) and send that.");
        if (bytes.Length % 2 != 0)
        {
            return invalid;
        }

        string text;
        try
        {
            text = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return invalid;
        }

        if (text.AsSpan().ContainsAny(ControlChars))
        {
            return Corrupt("The text file contains control characters (such as NUL) that text never has: save it again as plain UTF-8 text and send that.");
        }

        return string.IsNullOrWhiteSpace(text) ? EmptyText : null;
    }

}
