using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Passerelle.Sandbox.Gate;

namespace Passerelle.Sandbox.Candidates;

/// <summary>A file received in a multipart body, hashed while it streamed in.</summary>
internal sealed record UploadedFile(
    string FileName,
    string Extension,
    string ContentType,
    long Size,
    string Sha256,
    byte[]? Content,
    IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// Reads SR's multipart uploads (<c>file</c> plus small text fields) as a stream: the file is hashed and counted
/// as it arrives and only kept in memory when asked, so a 10 MB upload never needs 10 MB of the sandbox's heap.
/// </summary>
internal static class MultipartUpload
{
    private const int MaxFieldLength = 4096;
    private const int MaxSections = 16;

    public static async Task<(UploadedFile? File, IResult? Error)> ReadAsync(
        HttpRequest request, SandboxSettings settings, IReadOnlyCollection<string> allowedExtensions, long keepContentUpTo)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, SrResults.Error(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
                "Send the file as multipart/form-data with a part named 'file'."));
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            return (null, SrResults.BadRequest("The multipart Content-Type has no valid boundary."));
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        UploadedFile? file = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            var sections = 0;
            while (await reader.ReadNextSectionAsync(request.HttpContext.RequestAborted) is { } section)
            {
                if (++sections > MaxSections)
                {
                    return (null, SrResults.BadRequest($"Too many multipart sections (at most {MaxSections})."));
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return (null, SrResults.BadRequest("Every multipart section needs a 'Content-Disposition: form-data' header."));
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                if (name == "file")
                {
                    if (file is not null)
                    {
                        return (null, SrResults.BadRequest("Send exactly one part named 'file'."));
                    }

                    var (received, error) = await ReadFileAsync(section, fileName, settings, allowedExtensions, keepContentUpTo, request.HttpContext.RequestAborted);
                    if (error is not null)
                    {
                        return (null, error);
                    }

                    file = received;
                }
                else
                {
                    using var textReader = new StreamReader(section.Body);
                    var buffer = new char[MaxFieldLength + 1];
                    var length = await textReader.ReadBlockAsync(buffer, request.HttpContext.RequestAborted);
                    if (length > MaxFieldLength)
                    {
                        return (null, SrResults.BadRequest($"The form field '{name}' is longer than {MaxFieldLength} characters."));
                    }

                    fields[name] = new string(buffer, 0, length);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or BadHttpRequestException)
        {
            return (null, SrResults.BadRequest("The multipart body is malformed or was cut short."));
        }

        return file is null
            ? (null, SrResults.BadRequest("The part named 'file' is required."))
            : (file with { Fields = fields }, null);
    }

    private static async Task<(UploadedFile? File, IResult? Error)> ReadFileAsync(
        MultipartSection section, string? fileName, SandboxSettings settings, IReadOnlyCollection<string> allowedExtensions,
        long keepContentUpTo, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(fileName ?? "").Trim();
        if (name.Length is 0 or > 255)
        {
            return (null, SrResults.BadRequest("The 'file' part needs a file name of 1 to 255 characters."));
        }

        var extension = Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
        if (!allowedExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return (null, SrResults.Error(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_FILE_TYPE",
                $"Files of type '.{extension}' are not accepted; use one of: {string.Join(", ", allowedExtensions)}."));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var kept = keepContentUpTo > 0 ? new MemoryStream() : null;
        var buffer = new byte[81920];
        long size = 0;
        int read;
        while ((read = await section.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            size += read;
            if (size > settings.MaxAttachmentBytes)
            {
                return (null, SrResults.Error(StatusCodes.Status413PayloadTooLarge, "FILE_TOO_LARGE",
                    $"The file is larger than the {settings.MaxAttachmentBytes} bytes accepted."));
            }

            hash.AppendData(buffer, 0, read);
            if (kept is not null)
            {
                if (size <= keepContentUpTo)
                {
                    kept.Write(buffer, 0, read);
                }
                else
                {
                    kept = null;
                }
            }
        }

        if (size == 0)
        {
            return (null, SrResults.BadRequest("The file is empty."));
        }

        var contentType = string.IsNullOrEmpty(section.ContentType) || section.ContentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            ? ContentTypes.ForExtension(extension)
            : section.ContentType;
        return (new UploadedFile(name, extension, contentType, size, Convert.ToHexStringLower(hash.GetHashAndReset()), kept?.ToArray(),
            new Dictionary<string, string>()), null);
    }
}

internal static class ContentTypes
{
    public static string ForExtension(string extension) => extension switch
    {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "rtf" => "application/rtf",
        "odt" => "application/vnd.oasis.opendocument.text",
        "txt" => "text/plain",
        "jpg" or "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    };
}
