using System.Globalization;
using System.Text;

namespace Passerelle.Testing;

/// <summary>
/// CVs for intake tests and benches: a structurally valid one-page PDF (header, catalog, page, cross-reference
/// table, <c>%%EOF</c>) whose bulk is a stream of random bytes, so that every file is unique and incompressible.
/// The same seed gives the same bytes, so a caller can keep the seed and its SHA-256 instead of the file.
/// </summary>
public static class PdfFiles
{
    /// <summary>A PDF of exactly <paramref name="length"/> bytes (at least 1,024) carrying <paramref name="marker"/> in its page content.</summary>
    public static byte[] Random(int seed, int length, string marker)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1024);
        var random = new Random(seed);
        var head = new List<(int Number, string Text)>
        {
            (1, "<< /Type /Catalog /Pages 2 0 R >>"),
            (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"),
        };
        var content = $"% {marker}\n";
        head.Add((4, $"<< /Length {content.Length} >>\nstream\n{content}endstream"));

        // Everything but the random stream's bytes, to size that stream so the file is exactly `length` long.
        string Layout(int streamLength, int padding, out List<int> offsets, out string beforeData, out string afterData)
        {
            var text = new StringBuilder("%PDF-1.7\n%\u00e2\u00e3\n");
            offsets = [];
            foreach (var (number, body) in head)
            {
                offsets.Add(Latin1(text));
                text.Append(CultureInfo.InvariantCulture, $"{number} 0 obj\n{body}\nendobj\n");
            }

            offsets.Add(Latin1(text));
            text.Append(CultureInfo.InvariantCulture, $"5 0 obj\n<< /Length {streamLength} >>\nstream\n");
            beforeData = text.ToString();
            var xref = Latin1(text) + streamLength + "\nendstream\nendobj\n".Length;
            var tail = new StringBuilder("\nendstream\nendobj\n");
            tail.Append("xref\n0 6\n0000000000 65535 f \n");
            foreach (var offset in offsets)
            {
                tail.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
            }

            tail.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size 6 /Root 1 0 R{new string(' ', padding)} >>\nstartxref\n{xref}\n%%EOF\n");
            afterData = tail.ToString();
            return beforeData + afterData;
        }

        // The stream's length appears in the layout (its /Length, and the startxref after it), so its digits change the
        // size. Start from the longest stream that could fit and shorten it until the file is not too long; near a power
        // of ten no length fits exactly (one digit more overshoots, one fewer falls short), so the trailer takes the
        // missing bytes as spaces. The padding sits after every offset, so it moves none of them.
        var dataLength = length - Encoding.Latin1.GetByteCount(Layout(0, 0, out _, out _, out _));
        int total;
        while ((total = Encoding.Latin1.GetByteCount(Layout(dataLength, 0, out _, out _, out _)) + dataLength) > length)
        {
            dataLength -= total - length;
        }

        var padding = length - total;
        Layout(dataLength, padding, out _, out var before, out var after);
        var file = new byte[length];
        var written = Encoding.Latin1.GetBytes(before, file);
        random.NextBytes(file.AsSpan(written, dataLength));
        Encoding.Latin1.GetBytes(after, file.AsSpan(written + dataLength));
        return file;
    }

    private static int Latin1(StringBuilder text) => Encoding.Latin1.GetByteCount(text.ToString());
}
