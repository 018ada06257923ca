using System.Buffers;
using System.Text;

namespace Passerelle.Testing;

/// <summary>
/// A multipart/form-data body written byte by byte, so that tests can send what HttpClient's
/// MultipartFormDataContent refuses to write: parts without names, duplicate parts, cut bodies, control characters
/// in file names.
/// </summary>
public sealed class MultipartBody(string boundary)
{
    private readonly ArrayBufferWriter<byte> _body = new();

    public string Boundary { get; } = boundary;

    public string ContentType => $"multipart/form-data; boundary={Boundary}";

    /// <summary>Bytes before the first boundary, which parsers must read and ignore.</summary>
    public MultipartBody Preamble(byte[] bytes)
    {
        _body.Write(bytes);
        _body.Write("\r\n"u8);
        return this;
    }

    /// <summary>A part with exactly these header lines (no trailing CRLF), and this body.</summary>
    public MultipartBody Part(string headers, byte[] content)
    {
        Write($"--{Boundary}\r\n{headers}\r\n\r\n");
        _body.Write(content);
        _body.Write("\r\n"u8);
        return this;
    }

    public MultipartBody Json(string name, string json) =>
        Part($"Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json", Encoding.UTF8.GetBytes(json));

    public MultipartBody Field(string name, string value) =>
        Part($"Content-Disposition: form-data; name=\"{name}\"", Encoding.UTF8.GetBytes(value));

    /// <summary>
    /// A file part. A name that is not plain printable ASCII goes in <c>filename*</c> (RFC 5987, UTF-8 percent-encoded),
    /// the way browsers send non-ASCII names, so that control and direction characters reach the server intact.
    /// </summary>
    public MultipartBody File(string name, byte[] content, string? contentType, string? fileName)
    {
        var disposition = $"Content-Disposition: form-data; name=\"{name}\"";
        if (fileName is not null)
        {
            disposition += fileName.All(c => c is >= ' ' and <= '~' && c != '"' && c != '\\')
                ? $"; filename=\"{fileName}\""
                : $"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
        }

        return Part(contentType is null ? disposition : $"{disposition}\r\nContent-Type: {contentType}", content);
    }

    /// <summary>The body with its closing boundary.</summary>
    public byte[] Close()
    {
        Write($"--{Boundary}--\r\n");
        return _body.WrittenSpan.ToArray();
    }

    /// <summary>The body as it is so far, without a closing boundary.</summary>
    public byte[] Unclosed() => _body.WrittenSpan.ToArray();

    private void Write(string text) => _body.Write(Encoding.ASCII.GetBytes(text));
}
