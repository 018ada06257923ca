using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Passerelle.Core.Applications.Files;

/// <summary>
/// The ZIP container of a DOCX or ODT, judged in two passes. First from the central directory alone, without
/// inflating anything: entry count, declared sizes and ratios, paths, overlaps. Then by inflating every entry with a
/// hard cap, counting the bytes that really come out, because a directory can lie about sizes and
/// <see cref="ZipArchiveEntry.Open()"/> silently stops at the declared size instead of telling.
/// </summary>
internal sealed class CvArchive
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const int EndRecordSize = 22;
    private const ushort Stored = 0;
    private const ushort Deflated = 8;

    // What a nested archive starts with: ZIP (local header, empty archive, spanned), gzip, 7z, RAR, bzip2, xz, zstd.
    private static readonly byte[][] ArchiveMagics =
    [
        [0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x50, 0x4B, 0x07, 0x08], [0x1F, 0x8B],
        [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07], [0x42, 0x5A, 0x68],
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x28, 0xB5, 0x2F, 0xFD],
    ];

    private readonly byte[] _data;
    private readonly int _offset;
    private readonly int _length;
    private readonly long _directoryOffset;
    private readonly List<Entry> _entries;

    private CvArchive(ArraySegment<byte> content, long directoryOffset, List<Entry> entries)
    {
        _data = content.Array!;
        _offset = content.Offset;
        _length = content.Count;
        _directoryOffset = directoryOffset;
        _entries = entries;
    }

    private ReadOnlySpan<byte> Bytes => _data.AsSpan(_offset, _length);

    /// <summary>The offset of the last end-of-central-directory record in the tail a ZIP reader searches, or -1.</summary>
    public static int FindEndRecord(ReadOnlySpan<byte> content)
    {
        var tailStart = Math.Max(0, content.Length - (ushort.MaxValue + EndRecordSize));
        var at = content[tailStart..].LastIndexOf("PK\x05\x06"u8);
        return at < 0 ? -1 : tailStart + at;
    }

    /// <summary>Reads the central directory; a rejection when it is unreadable or holds too many entries.</summary>
    public static (CvArchive? Archive, CvRejected? Rejection) Open(ReadOnlyMemory<byte> content, CvInspectorOptions options)
    {
        var bytes = content.Span;
        var end = FindEndRecord(bytes);
        if (end < 0 || end + EndRecordSize > bytes.Length)
        {
            return (null, CvInspector.Unreadable);
        }

        var disk = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(end + 4)..]);
        var directoryDisk = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(end + 6)..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(end + 10)..]);
        var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(end + 12)..]);
        var directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(end + 16)..]);
        if (count > options.MaxArchiveEntries)
        {
            return (null, CvInspector.Unsafe($"it has more than {options.MaxArchiveEntries} entries"));
        }

        // ZIP64 (sizes past 4 GB, more than 65,535 entries) has no business in a CV; refusing it keeps this reader small.
        if (count == ushort.MaxValue || directorySize == uint.MaxValue || directoryOffset == uint.MaxValue)
        {
            return (null, CvInspector.Unsafe("it is a ZIP64 archive"));
        }

        if (disk != 0 || directoryDisk != 0 || (long)directoryOffset + directorySize > end)
        {
            return (null, CvInspector.Unreadable);
        }

        var entries = new List<Entry>(count);
        var position = (int)directoryOffset;
        for (var i = 0; i < count; i++)
        {
            if (position + 46 > end || BinaryPrimitives.ReadUInt32LittleEndian(bytes[position..]) != CentralHeaderSignature)
            {
                return (null, CvInspector.Unreadable);
            }

            var header = bytes[position..];
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            if (position + 46 + nameLength + extraLength + commentLength > end)
            {
                return (null, CvInspector.Unreadable);
            }

            var nameBytes = header.Slice(46, nameLength);
            // Bit 11 says UTF-8; otherwise CP437, whose ASCII half is all that the checks below look at.
            var name = (flags & 0x800) != 0 ? Encoding.UTF8.GetString(nameBytes) : Encoding.Latin1.GetString(nameBytes);
            entries.Add(new Entry(
                name,
                flags,
                BinaryPrimitives.ReadUInt16LittleEndian(header[10..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[24..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[42..])));
            position += 46 + nameLength + extraLength + commentLength;
        }

        // A directory that lies about its own entry count (a trick against readers that trust it) reads past its end.
        if (position != directoryOffset + directorySize)
        {
            return (null, CvInspector.Unreadable);
        }

        return (new CvArchive(CvInspector.ArrayOf(content), directoryOffset, entries), null);
    }

    /// <summary>DOCX, ODT, or why it is neither, from the entry names and the first local header.</summary>
    public (CvKind? Kind, CvRejected? Rejection) Classify()
    {
        var bytes = Bytes;
        var firstName = bytes.Length >= 30 ? bytes.Slice(30, Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]), bytes.Length - 30)) : [];
        if (firstName.SequenceEqual("mimetype"u8) || Has("mimetype"))
        {
            return ClassifyOpenDocument();
        }

        var hasContentTypes = Has("[Content_Types].xml");
        var hasDocument = Has("word/document.xml");
        if (hasContentTypes && hasDocument)
        {
            return _entries.Any(e => e.Name.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase))
                ? (null, CvInspector.Unsupported("Documents with macros are not accepted: save it as a plain .docx or as PDF and send that."))
                : (CvKind.Docx, null);
        }

        if (hasDocument || _entries.Any(e => e.Name.StartsWith("word/", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, CvInspector.Corrupt("The Word document is damaged (some of its parts are missing): open it in Word, save it again and send that."));
        }

        // Another OOXML file (a spreadsheet, a presentation) or a plain ZIP, JAR, APK or EPUB.
        return (null, CvInspector.Unsupported(CvInspector.AcceptedKindsSentence));
    }

    private (CvKind? Kind, CvRejected? Rejection) ClassifyOpenDocument()
    {
        // ODF: "mimetype" is the first entry, stored uncompressed without an extra field, so that its bytes sit at
        // offset 38 for anyone sniffing: that is what makes an ODT recognisable, so anything else is a damaged one.
        var bytes = Bytes;
        var expected = "application/vnd.oasis.opendocument.text"u8;
        if (bytes.Length < 38)
        {
            return (null, CvInspector.Unreadable);
        }

        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]);
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);
        var method = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        var start = 30 + nameLength + extraLength;
        if (nameLength != 8 || !bytes.Slice(30, 8).SequenceEqual("mimetype"u8) || method != Stored || start >= bytes.Length)
        {
            return (null, CvInspector.Corrupt("The OpenDocument file is damaged (its type entry is not first or is compressed): save it again with LibreOffice and send that."));
        }

        // With a data descriptor (flag bit 3) the local header's size is 0: compare the expected length then.
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes[18..]);
        var mimetype = bytes[start..][..(int)Math.Min(bytes.Length - start, declared == 0 ? expected.Length : declared)];
        if (!mimetype.SequenceEqual(expected))
        {
            // A spreadsheet, a presentation, an EPUB: real files of another kind.
            return (null, CvInspector.Unsupported(CvInspector.AcceptedKindsSentence));
        }

        if (!Has("content.xml"))
        {
            return (null, CvInspector.Corrupt("The OpenDocument file is damaged (its content is missing): save it again with LibreOffice and send that."));
        }

        return _entries.Any(e => e.Name.StartsWith("Basic/", StringComparison.Ordinal) || e.Name.StartsWith("Scripts/", StringComparison.Ordinal))
            ? (null, CvInspector.Unsupported("Documents with macros are not accepted: save it without macros or as PDF and send that."))
            : (CvKind.Odt, null);
    }

    /// <summary>The checks that need no inflating, then every entry inflated under the caps.</summary>
    public CvRejected? Verify(CvInspectorOptions options)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long declaredTotal = 0;
        foreach (var entry in _entries)
        {
            if (!names.Add(entry.Name))
            {
                // Two entries with one name: readers disagree on which one counts, which hides a part from checks.
                return CvInspector.Unsafe("two of its entries have the same name");
            }

            if (IsEscapingPath(entry.Name))
            {
                return CvInspector.Unsafe("an entry has an absolute path or a '..' segment");
            }

            declaredTotal += entry.UncompressedSize;
            if (declaredTotal > options.MaxInflatedBytes)
            {
                return CvInspector.Unsafe($"it would inflate to more than {options.MaxInflatedBytes / (1024 * 1024)} MB");
            }

            if (TooCompressed(entry.UncompressedSize, entry.CompressedSize, options))
            {
                return CvInspector.Unsafe($"an entry is compressed more than {options.MaxCompressionRatio}:1");
            }
        }

        if (TooCompressed(declaredTotal, _length, options))
        {
            return CvInspector.Unsafe($"it is compressed more than {options.MaxCompressionRatio}:1");
        }

        return CheckLayout() ?? CheckStandardReader() ?? Inflate(options);
    }

    private CvRejected? CheckLayout()
    {
        // Every entry's data must lie before the next local header: overlapping entries are how a small archive
        // inflates the same compressed kernel many times over.
        var bytes = Bytes;
        var ordered = _entries.OrderBy(e => e.LocalHeaderOffset).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var entry = ordered[i];
            var next = i + 1 < ordered.Count ? ordered[i + 1].LocalHeaderOffset : _directoryOffset;
            if (entry.LocalHeaderOffset + 30 > _directoryOffset
                || BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)entry.LocalHeaderOffset..]) != LocalHeaderSignature)
            {
                return CvInspector.Unreadable;
            }

            if (DataStart(entry) + entry.CompressedSize > next)
            {
                return CvInspector.Unsafe("its entries overlap");
            }
        }

        return null;
    }

    private CvRejected? CheckStandardReader()
    {
        // What passed the checks above must also open in .NET's reader, a stand-in for every reader downstream.
        try
        {
            using var archive = new ZipArchive(new MemoryStream(_data, _offset, _length, writable: false), ZipArchiveMode.Read);
            return archive.Entries.Count == _entries.Count ? null : CvInspector.Unreadable;
        }
        catch (InvalidDataException)
        {
            return CvInspector.Unreadable;
        }
    }

    private CvRejected? Inflate(CvInspectorOptions options)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        foreach (var entry in _entries)
        {
            if ((entry.Flags & 0x1) != 0)
            {
                return CvInspector.Unsupported("Password-protected documents cannot be read: send the file without a password.");
            }

            var start = DataStart(entry);
            long actual;
            ReadOnlySpan<byte> head;
            if (entry.Method == Stored)
            {
                if (entry.CompressedSize != entry.UncompressedSize)
                {
                    return CvInspector.Unsafe("its directory does not match its contents");
                }

                actual = entry.CompressedSize;
                head = _data.AsSpan(_offset + (int)start, (int)Math.Min(actual, 8));
            }
            else if (entry.Method == Deflated)
            {
                var (inflated, firstBytes, problem) = InflateOne(entry, start, buffer, options.MaxInflatedBytes - total);
                if (problem is not null)
                {
                    return problem;
                }

                actual = inflated;
                head = firstBytes;
            }
            else
            {
                return CvInspector.Corrupt("The document uses a compression method that Word and LibreOffice do not write: save it again and send that.");
            }

            total += actual;
            if (TooCompressed(actual, entry.CompressedSize, options))
            {
                return CvInspector.Unsafe($"an entry is compressed more than {options.MaxCompressionRatio}:1");
            }

            if (IsArchive(head))
            {
                return CvInspector.Unsafe("it contains another archive");
            }
        }

        return TooCompressed(total, _length, options) ? CvInspector.Unsafe($"it is compressed more than {options.MaxCompressionRatio}:1") : null;
    }

    private (long Inflated, byte[] FirstBytes, CvRejected? Problem) InflateOne(Entry entry, long start, byte[] buffer, long remaining)
    {
        var first = new byte[8];
        var firstLength = 0;
        long inflated = 0;
        try
        {
            using var compressed = new MemoryStream(_data, _offset + (int)start, (int)entry.CompressedSize, writable: false);
            using var inflater = new DeflateStream(compressed, CompressionMode.Decompress);
            int read;
            while ((read = inflater.Read(buffer)) > 0)
            {
                if (firstLength < first.Length)
                {
                    var take = Math.Min(read, first.Length - firstLength);
                    buffer.AsSpan(0, take).CopyTo(first.AsSpan(firstLength));
                    firstLength += take;
                }

                inflated += read;
                // Stop at the first byte past what the directory promised, or past the archive's budget: a lying
                // entry never gets to inflate further than that.
                if (inflated > entry.UncompressedSize)
                {
                    return (inflated, first, CvInspector.Unsafe("its directory does not match its contents"));
                }

                if (inflated > remaining)
                {
                    return (inflated, first, CvInspector.Unsafe("it inflates to more than its limit"));
                }
            }
        }
        catch (InvalidDataException)
        {
            return (inflated, first, CvInspector.Unreadable);
        }

        return inflated < entry.UncompressedSize
            ? (inflated, first, CvInspector.Corrupt("Part of the document is cut short or damaged: save it again and send the complete file."))
            : (inflated, first[..firstLength], null);
    }

    private static bool IsArchive(ReadOnlySpan<byte> head)
    {
        foreach (var magic in ArchiveMagics)
        {
            if (head.StartsWith(magic))
            {
                return true;
            }
        }

        return false;
    }

    private long DataStart(Entry entry)
    {
        var header = Bytes[(int)entry.LocalHeaderOffset..];
        return entry.LocalHeaderOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
    }

    private static bool TooCompressed(long inflated, long compressed, CvInspectorOptions options) =>
        inflated > options.CompressionRatioFloorBytes && inflated > options.MaxCompressionRatio * Math.Max(compressed, 1);

    private static bool IsEscapingPath(string name) =>
        name.StartsWith('/') || name.StartsWith('\\') || (name.Length >= 2 && name[1] == ':') || name.Contains('\0', StringComparison.Ordinal)
        || name.Split('/', '\\').Any(segment => segment == "..");

    private bool Has(string name) => _entries.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private sealed record Entry(string Name, ushort Flags, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset);
}
