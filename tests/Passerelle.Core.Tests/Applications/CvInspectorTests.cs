using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using Passerelle.Core.Applications.Files;
using Passerelle.Testing;
using UglyToad.PdfPig;

namespace Passerelle.Core.Tests.Applications;

public sealed class CvInspectorTests
{
    private static readonly CvInspector Inspector = new();

    public static TheoryData<string, CvKind> ValidDocuments => new()
    {
        { "pdf", CvKind.Pdf }, { "doc", CvKind.Doc }, { "docx", CvKind.Docx }, { "rtf", CvKind.Rtf }, { "odt", CvKind.Odt }, { "txt", CvKind.Txt },
    };

    private static byte[] Valid(string kind) => kind switch
    {
        "pdf" => HostileInputs.ValidPdf(),
        "doc" => HostileInputs.ValidDoc(),
        "docx" => HostileInputs.ValidDocx(),
        "rtf" => HostileInputs.ValidRtf(),
        "odt" => HostileInputs.ValidOdt(),
        "txt" => HostileInputs.ValidTxt(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static CvAccepted Accepted(CvInspection inspection) =>
        inspection.ShouldBeOfType<CvAccepted>($"expected acceptance, got {(inspection as CvRejected)?.Code}: {(inspection as CvRejected)?.Detail}");

    private static CvRejected Rejected(CvInspection inspection, string code)
    {
        var rejected = inspection.ShouldBeOfType<CvRejected>();
        rejected.Code.ShouldBe(code, rejected.Detail);
        return rejected;
    }

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Each_accepted_kind_is_recognised_from_its_content_alone(string kind, CvKind expected)
    {
        var accepted = Accepted(Inspector.Inspect(Valid(kind), declaredContentType: null, declaredFileName: null, "cv"));

        accepted.Kind.ShouldBe(expected);
        accepted.MediaType.ShouldBe(expected.MediaType());
        accepted.SafeFileName.ShouldBe($"cv.{expected.Extension()}");
    }

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Each_accepted_kind_is_accepted_under_its_own_name_and_type(string kind, CvKind expected)
    {
        var accepted = Accepted(Inspector.Inspect(Valid(kind), expected.MediaType(), $"Mon CV.{expected.Extension().ToUpperInvariant()}", "cv"));

        accepted.SafeFileName.ShouldBe($"Mon CV.{expected.Extension()}");
    }

    [Fact]
    public void The_valid_generators_make_files_that_real_readers_open()
    {
        using (var pdf = PdfDocument.Open(HostileInputs.ValidPdf(5000)))
        {
            pdf.GetPage(1).Text.ShouldContain("Marie Dupont");
        }

        using (var docx = WordprocessingDocument.Open(new MemoryStream(HostileInputs.ValidDocx()), isEditable: false))
        {
            docx.MainDocumentPart!.Document!.Body!.InnerText.ShouldContain("Marie Dupont");
        }

        using var odt = new ZipArchive(new MemoryStream(HostileInputs.ValidOdt()), ZipArchiveMode.Read);
        odt.Entries[0].FullName.ShouldBe("mimetype");
        odt.Entries[0].CompressedLength.ShouldBe(odt.Entries[0].Length, "ODF wants the mimetype entry stored");
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(65_536)]
    [InlineData(1_000_001)]
    public void ValidPdf_has_exactly_the_size_asked_for_and_still_opens(int size)
    {
        var bytes = HostileInputs.ValidPdf(size);

        bytes.Length.ShouldBe(size);
        using var pdf = PdfDocument.Open(bytes);
        pdf.NumberOfPages.ShouldBe(1);
        Accepted(Inspector.Inspect(bytes, "application/pdf", "cv.pdf", "cv"));
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("binary/octet-stream")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("APPLICATION/PDF")]
    [InlineData("application/pdf; name=\"cv.pdf\"")]
    [InlineData("application/x-pdf")]
    public void Generic_and_equivalent_declared_types_are_no_lie(string contentType)
    {
        Accepted(Inspector.Inspect(HostileInputs.ValidPdf(), contentType, "cv.pdf", "cv")).Kind.ShouldBe(CvKind.Pdf);
    }

    [Theory]
    [InlineData("text/plain", "cv.pdf")]
    [InlineData("application/msword", "cv.pdf")]
    [InlineData("application/x-msdownload", "cv.pdf")]
    [InlineData("application/pdf", "cv.doc")]
    [InlineData("application/pdf", "cv.odt")]
    [InlineData("application/pdf", "cv.txt")]
    [InlineData("application/pdf", "cv.php")]
    [InlineData("application/pdf", "cv.pdf.exe")]
    [InlineData("application/pdf", "cv.exe.")]
    public void A_declared_type_or_extension_that_names_another_type_is_a_mismatch(string contentType, string fileName)
    {
        var rejected = Rejected(Inspector.Inspect(HostileInputs.ValidPdf(), contentType, fileName, "cv"), CvProblems.TypeMismatch);

        rejected.Status.ShouldBe(415);
        rejected.Detail.ShouldContain("PDF");
    }

    [Fact]
    public void A_zip_media_type_is_true_of_docx_and_odt_but_not_of_pdf()
    {
        Accepted(Inspector.Inspect(HostileInputs.ValidDocx(), "application/zip", "cv.docx", "cv"));
        Accepted(Inspector.Inspect(HostileInputs.ValidOdt(), "application/x-zip-compressed", "cv.odt", "cv"));
        Rejected(Inspector.Inspect(HostileInputs.ValidPdf(), "application/zip", "cv.pdf", "cv"), CvProblems.TypeMismatch);
    }

    [Theory]
    [InlineData("CV v2.1", "CV v2.1.pdf")]
    [InlineData("CV Marie.PDF", "CV Marie.pdf")]
    [InlineData("C:\\Users\\marie\\Documents\\CV.pdf", "CV.pdf")]
    [InlineData("/home/marie/cv.pdf", "cv.pdf")]
    [InlineData("  CV Marie .pdf", "CV Marie.pdf")]
    [InlineData("cv<>:\"|?*.pdf", "cv_______.pdf")]
    [InlineData("cv\u200Bx.pdf", "cv_x.pdf")]
    [InlineData("cv\uE000.pdf", "cv_.pdf")]
    [InlineData("CON.pdf", "_CON.pdf")]
    [InlineData("com1.pdf", "_com1.pdf")]
    [InlineData("nul .pdf", "_nul.pdf")]
    [InlineData("CONTRAT.pdf", "CONTRAT.pdf")]
    [InlineData(".pdf", "cv.pdf")]
    [InlineData("???", "___.pdf")]
    public void The_safe_name_keeps_what_the_applicant_called_the_file_and_nothing_dangerous(string declared, string expected)
    {
        Accepted(Inspector.Inspect(HostileInputs.ValidPdf(), null, declared, "cv")).SafeFileName.ShouldBe(expected);
    }

    [Theory]
    [InlineData("E\u0301loi\u0308se.pdf", "\u00C9lo\u00EFse.pdf")]
    [InlineData("Nguye\u0302\u0303n.pdf", "Nguy\u1EC5n.pdf")]
    [InlineData("Tra\u0323\u0302n.pdf", "Tr\u1EADn.pdf")]
    [InlineData("\u304B\u3099.pdf", "\u304C.pdf")]
    [InlineData("\u1100\u1161\u11A8.pdf", "\uAC01.pdf")]
    [InlineData("\u00C9lo\u00EFse.pdf", "\u00C9lo\u00EFse.pdf")]
    public void Decomposed_names_from_macOS_are_composed_to_NFC(string declared, string expected)
    {
        Accepted(Inspector.Inspect(HostileInputs.ValidPdf(), null, declared, "cv")).SafeFileName.ShouldBe(expected);
    }

    [Fact]
    public void The_text_kind_gets_txt_whatever_text_extension_it_had()
    {
        Accepted(Inspector.Inspect(HostileInputs.ValidTxt(), "text/plain", "lettre.TEXT", "cover-letter")).SafeFileName.ShouldBe("lettre.txt");
        Accepted(Inspector.Inspect(HostileInputs.ValidTxt(), null, null, "cover-letter")).SafeFileName.ShouldBe("cover-letter.txt");
    }

    [Fact]
    public void A_long_name_is_cut_to_120_characters_between_whole_characters_keeping_the_extension()
    {
        var declared = new string('a', 113) + "\U0001F468\u200D\U0001F4BB" + new string('b', 20) + ".pdf";

        var safe = Accepted(Inspector.Inspect(HostileInputs.ValidPdf(), null, declared, "cv")).SafeFileName;

        safe.Length.ShouldBeLessThanOrEqualTo(120);
        safe.ShouldEndWith(".pdf");
        safe.ShouldStartWith(new string('a', 113));
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(safe)).ShouldBe(safe, "no surrogate pair may be cut in half");
    }

    [Theory]
    [InlineData("cv\u202Efdp.exe")]
    [InlineData("a\u202Ab.pdf")]
    [InlineData("a\u2066b.pdf")]
    [InlineData("a\u2069b.pdf")]
    [InlineData("a\u200Eb.pdf")]
    [InlineData("a\u200Fb.pdf")]
    [InlineData("a\u061Cb.pdf")]
    [InlineData("cv\u0000.pdf")]
    [InlineData("cv\u001F.pdf")]
    [InlineData("cv\u007F.pdf")]
    [InlineData("cv\u0085.pdf")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData(". . .")]
    [InlineData("   ")]
    [InlineData("docs/../cv.pdf")]
    [InlineData("..\\cv.pdf")]
    [InlineData("C:\\Users\\marie\\")]
    public void A_name_with_control_direction_or_path_tricks_is_refused_without_being_quoted(string declared)
    {
        var rejected = Rejected(Inspector.Inspect(HostileInputs.ValidPdf(), "application/pdf", declared, "cv"), CvProblems.NameInvalid);

        rejected.Status.ShouldBe(400);
        if (declared.Length > 3)
        {
            rejected.Detail.ShouldNotContain(declared);
        }
    }

    [Fact]
    public void A_name_with_a_lone_surrogate_is_refused()
    {
        // Built at run time: attribute arguments are stored as UTF-8, which turns a lone surrogate into U+FFFD.
        foreach (var declared in new[] { "cv" + (char)0xD800 + ".pdf", "cv" + (char)0xDC00 + "x.pdf", "cv.pdf" + (char)0xD83D })
        {
            Rejected(Inspector.Inspect(HostileInputs.ValidPdf(), "application/pdf", declared, "cv"), CvProblems.NameInvalid).Detail.ShouldContain("Unicode");
        }
    }

    [Fact]
    public void A_name_may_take_255_utf8_bytes_but_not_256()
    {
        var atLimit = new string('\u00E9', 125) + "x.pdf";
        Encoding.UTF8.GetByteCount(atLimit).ShouldBe(255);
        Accepted(Inspector.Inspect(HostileInputs.ValidPdf(), null, atLimit, "cv"));

        var overLimit = "x" + atLimit;
        Encoding.UTF8.GetByteCount(overLimit).ShouldBe(256);
        Rejected(Inspector.Inspect(HostileInputs.ValidPdf(), null, overLimit, "cv"), CvProblems.NameInvalid);
    }

    [Fact]
    public void Text_is_UTF8_with_or_without_a_byte_order_mark_or_UTF16_with_one()
    {
        var text = "Marie Dupont — Développeuse\n";
        Accepted(Inspector.Inspect(Encoding.UTF8.GetBytes(text), null, null, "cv")).Kind.ShouldBe(CvKind.Txt);
        Accepted(Inspector.Inspect((byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)], null, null, "cv")).Kind.ShouldBe(CvKind.Txt);
        Accepted(Inspector.Inspect((byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)], null, null, "cv")).MediaType.ShouldBe("text/plain; charset=utf-8");
        var littleEndian = Accepted(Inspector.Inspect((byte[])[0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)], null, null, "cv"));
        littleEndian.Kind.ShouldBe(CvKind.Txt);
        littleEndian.MediaType.ShouldBe("text/plain; charset=utf-16", "the bytes are passed on as they are, so their label must say UTF-16");
        Accepted(Inspector.Inspect((byte[])[0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)], null, null, "cv")).MediaType.ShouldBe("text/plain; charset=utf-16");

        Rejected(Inspector.Inspect(Encoding.Unicode.GetBytes(text), null, null, "cv"), CvProblems.TypeUnsupported);
        Rejected(Inspector.Inspect((byte[])[0xFF, 0xFE, .. Encoding.Unicode.GetBytes("Marie"), 0x00, 0xD8, 0x41, 0x00], null, null, "cv"), CvProblems.Corrupt);
        Rejected(Inspector.Inspect((byte[])[0xFF, 0xFE, .. Encoding.Unicode.GetBytes("Marie"), 0x41], null, null, "cv"), CvProblems.Corrupt);
    }

    [Theory]
    [InlineData("   \n\t ")]
    [InlineData("\uFEFF")]
    public void A_text_file_with_no_text_is_empty(string text)
    {
        Rejected(Inspector.Inspect(Encoding.UTF8.GetBytes(text), null, null, "cv"), CvProblems.Empty);
    }

    [Theory]
    [InlineData("  <HTML><body>Marie</body></HTML>")]
    [InlineData("\n<!-- a comment --><p>Marie</p>")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<iframe src=\"https://attacker.example\"></iframe>")]
    [InlineData("#!/bin/sh\nrm -rf /\n")]
    [InlineData("%!PS-Adobe-3.0\n")]
    public void Markup_scripts_and_postscript_are_not_text(string text)
    {
        Rejected(Inspector.Inspect(Encoding.UTF8.GetBytes(text), "text/plain", "cv.txt", "cv"), CvProblems.TypeUnsupported);
    }

    [Fact]
    public void A_text_that_merely_mentions_html_further_down_is_text()
    {
        Accepted(Inspector.Inspect(Encoding.UTF8.GetBytes("Marie Dupont\nCompétences : <html>, CSS, C#\n"), "text/plain", "cv.txt", "cv"));
    }

    [Fact]
    public void Binary_data_of_no_known_kind_is_unsupported_not_corrupt_text()
    {
        var random = new byte[4096];
        new Random(42).NextBytes(random);

        Rejected(Inspector.Inspect(random, null, null, "cv"), CvProblems.TypeUnsupported);
    }

    [Fact]
    public void A_pdf_needs_a_version_and_an_end_of_file_marker_near_its_end()
    {
        var pdf = HostileInputs.ValidPdf(5000);
        Rejected(Inspector.Inspect("%PDF-x"u8.ToArray().Concat(pdf[6..]).ToArray(), null, null, "cv"), CvProblems.Corrupt);

        // %%EOF is 1,031 bytes from the end once 1,024 bytes of junk follow it: too far for a complete file.
        Rejected(Inspector.Inspect((byte[])[.. pdf, .. new byte[1024].Select(_ => (byte)'\n')], null, null, "cv"), CvProblems.Corrupt);
        Accepted(Inspector.Inspect((byte[])[.. pdf, .. new byte[1000].Select(_ => (byte)'\n')], null, null, "cv"));
    }

    [Fact]
    public void An_rtf_must_start_with_its_header_and_end_with_its_closing_brace()
    {
        Rejected(Inspector.Inspect(Encoding.ASCII.GetBytes("{\\rtx1 Marie}"), null, null, "cv"), CvProblems.Corrupt);
        Rejected(Inspector.Inspect(Encoding.ASCII.GetBytes("{\\rtf1 Marie"), null, null, "cv"), CvProblems.Corrupt);
        Accepted(Inspector.Inspect(Encoding.ASCII.GetBytes("{\\rtf1 Marie}\r\n\0\0"), null, null, "cv"));
    }

    [Fact]
    public void A_compound_file_is_a_word_document_only_with_a_WordDocument_stream_and_a_sound_header()
    {
        var workbook = HostileInputs.ValidDoc();
        Encoding.Unicode.GetBytes("Workbook\0\0\0\0").CopyTo(workbook, 512 * 2 + 128);
        Rejected(Inspector.Inspect(workbook, null, "cv.doc", "cv"), CvProblems.TypeUnsupported).Detail.ShouldContain("password");

        var bigEndian = HostileInputs.ValidDoc();
        bigEndian[0x1C] = 0xFF;
        bigEndian[0x1D] = 0xFE;
        Rejected(Inspector.Inspect(bigEndian, null, "cv.doc", "cv"), CvProblems.Corrupt);
    }

    [Fact]
    public void An_opendocument_of_another_kind_is_unsupported_and_one_without_content_is_corrupt()
    {
        var spreadsheet = Zip(("mimetype", "application/vnd.oasis.opendocument.spreadsheet"u8.ToArray(), CompressionLevel.NoCompression),
            ("content.xml", "<office:document-content/>"u8.ToArray(), CompressionLevel.Optimal));
        Rejected(Inspector.Inspect(spreadsheet, null, "cv.ods", "cv"), CvProblems.TypeUnsupported);

        var empty = Zip(("mimetype", "application/vnd.oasis.opendocument.text"u8.ToArray(), CompressionLevel.NoCompression),
            ("styles.xml", "<office:document-styles/>"u8.ToArray(), CompressionLevel.Optimal));
        Rejected(Inspector.Inspect(empty, null, "cv.odt", "cv"), CvProblems.Corrupt);
    }

    [Fact]
    public void Archive_limits_come_from_the_options()
    {
        var docx = HostileInputs.ValidDocx();

        Accepted(new CvInspector(new CvInspectorOptions { MaxArchiveEntries = 3 }).Inspect(docx, null, null, "cv"));
        Rejected(new CvInspector(new CvInspectorOptions { MaxArchiveEntries = 2 }).Inspect(docx, null, null, "cv"), CvProblems.ArchiveUnsafe)
            .Detail.ShouldContain("more than 2 entries");
        Rejected(new CvInspector(new CvInspectorOptions { MaxInflatedBytes = 100 }).Inspect(docx, null, null, "cv"), CvProblems.ArchiveUnsafe)
            .Detail.ShouldContain("inflate");
    }

    [Fact]
    public void The_compression_ratio_is_judged_only_past_the_floor()
    {
        // 512 KiB of zeros compresses about 1,000 times: harmless under the 1 MB floor, refused with no floor.
        var docx = HostileInputs.ValidDocx().WithEntry("word/media/blank.bin", new byte[512 * 1024]);

        Accepted(Inspector.Inspect(docx, null, null, "cv"));
        Rejected(new CvInspector(new CvInspectorOptions { CompressionRatioFloorBytes = 0 }).Inspect(docx, null, null, "cv"), CvProblems.ArchiveUnsafe)
            .Detail.ShouldContain("compressed more than 100:1");
    }

    [Fact]
    public void Entries_that_share_their_compressed_bytes_are_refused()
    {
        // Two directory records pointing at one local entry: how a small archive inflates one kernel many times.
        var docx = HostileInputs.ValidDocx();
        var contentTypes = ZipPatch.CentralRecord(docx, "[Content_Types].xml");
        var document = ZipPatch.CentralRecord(docx, "word/document.xml");
        BinaryPrimitives.WriteUInt32LittleEndian(docx.AsSpan(document + 42), BinaryPrimitives.ReadUInt32LittleEndian(docx.AsSpan(contentTypes + 42)));

        Rejected(Inspector.Inspect(docx, null, null, "cv"), CvProblems.ArchiveUnsafe).Detail.ShouldContain("overlap");
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("\\windows\\system32\\x.dll")]
    [InlineData("C:/x.txt")]
    [InlineData("word/../../x.xml")]
    public void Entries_with_absolute_or_escaping_paths_are_refused(string entryName)
    {
        Rejected(Inspector.Inspect(HostileInputs.ValidDocx().WithEntry(entryName, "x"u8.ToArray()), null, null, "cv"), CvProblems.ArchiveUnsafe);
    }

    [Fact]
    public void Two_entries_with_one_name_are_refused()
    {
        Rejected(Inspector.Inspect(HostileInputs.ValidDocx().WithEntry("WORD/document.xml", "<w:document/>"u8.ToArray()), null, null, "cv"), CvProblems.ArchiveUnsafe)
            .Detail.ShouldContain("same name");
    }

    [Fact]
    public void An_entry_promising_more_than_it_holds_is_corrupt()
    {
        var docx = HostileInputs.ValidDocx();
        var record = ZipPatch.CentralRecord(docx, "word/document.xml");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(docx.AsSpan(record + 24));
        BinaryPrimitives.WriteUInt32LittleEndian(docx.AsSpan(record + 24), size + 10);

        Rejected(Inspector.Inspect(docx, null, null, "cv"), CvProblems.Corrupt);
    }

    [Fact]
    public void A_directory_that_lies_about_its_entry_count_cannot_be_read()
    {
        var docx = HostileInputs.ValidDocx();
        var end = docx.AsSpan().LastIndexOf("PK\x05\x06"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(docx.AsSpan(end + 8), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(docx.AsSpan(end + 10), 2);

        Rejected(Inspector.Inspect(docx, null, null, "cv"), CvProblems.Corrupt);
    }

    [Fact]
    public void Empty_content_is_refused_before_anything_else()
    {
        var rejected = Rejected(Inspector.Inspect(ReadOnlyMemory<byte>.Empty, "image/png", "cv\u202E.exe", "cv"), CvProblems.Empty);

        rejected.Status.ShouldBe(400);
    }

    [Fact]
    public void Content_in_the_middle_of_a_larger_buffer_is_inspected_as_itself()
    {
        var pdf = HostileInputs.ValidPdf();
        var buffer = new byte[pdf.Length + 200];
        pdf.CopyTo(buffer, 100);

        Accepted(Inspector.Inspect(buffer.AsMemory(100, pdf.Length), null, null, "cv")).Kind.ShouldBe(CvKind.Pdf);
        var docx = HostileInputs.ValidDocx();
        var docxBuffer = new byte[docx.Length + 200];
        docx.CopyTo(docxBuffer, 100);
        Accepted(Inspector.Inspect(docxBuffer.AsMemory(100, docx.Length), null, null, "cv")).Kind.ShouldBe(CvKind.Docx);
    }

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Damaged_documents_get_a_verdict_never_an_exception(string kind, CvKind expected)
    {
        var valid = Valid(kind);
        var random = new Random((int)expected);
        for (var i = 0; i < 500; i++)
        {
            var damaged = (byte[])valid.Clone();
            switch (i % 3)
            {
                case 0:
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    damaged = damaged[..random.Next(1, damaged.Length)];
                    break;
                default:
                    random.NextBytes(damaged.AsSpan(random.Next(damaged.Length / 2), 8));
                    break;
            }

            var inspection = Inspector.Inspect(damaged, null, null, "cv");

            inspection.ShouldNotBeNull();
        }
    }

    [Fact]
    public void Limits_that_make_no_sense_fail_at_construction()
    {
        Should.Throw<ArgumentException>(() => new CvInspector(new CvInspectorOptions { MaxCompressionRatio = 0 })).Message.ShouldContain("MaxCompressionRatio=0");
    }

    private static byte[] Zip(params (string Name, byte[] Content, CompressionLevel Level)[] entries)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, level) in entries)
            {
                using var stream = archive.CreateEntry(name, level).Open();
                stream.Write(content);
            }
        }

        return zip.ToArray();
    }
}

internal static class ZipPatch
{
    /// <summary>The offset of the central directory record of <paramref name="name"/>.</summary>
    public static int CentralRecord(byte[] zip, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == 0x02014b50
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) == nameBytes.Length
                && zip.AsSpan(i + 46).StartsWith(nameBytes))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"No central record for {name}.");
    }

    /// <summary>A copy of the archive with one more entry.</summary>
    public static byte[] WithEntry(this byte[] zip, string name, byte[] content)
    {
        using var copy = new MemoryStream();
        copy.Write(zip);
        using (var archive = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
            stream.Write(content);
        }

        return copy.ToArray();
    }
}
