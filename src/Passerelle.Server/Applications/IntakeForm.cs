using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Passerelle.Core.Applications;
using Passerelle.Core.Applications.Files;
using Passerelle.Server.Infrastructure;

namespace Passerelle.Server.Applications;

/// <summary>
/// Reads the intake's multipart body as a stream, part by part, with a hard cap on every part: a body or a file over
/// its limit is refused (413) as soon as the limit is passed, never read to its end nor held whole. Files are kept
/// in memory (at most <see cref="ApplicationOptions.MaxFileSize"/> each) until inspected, then the intake encrypts
/// them to disk. Every refusal is a problem with a stable code; nothing is stored.
/// </summary>
internal sealed class IntakeForm
{
    public const int MaxApplicantJson = 256 * 1024;

    public ApplicantInput? Applicant { get; private init; }
    public IncomingFile? Cv { get; private init; }
    public IncomingFile? CoverLetter { get; private init; }
    public ProblemHttpResult? Problem { get; private init; }

    private static IntakeForm Refuse(int status, string code, string detail, IDictionary<string, object?>? extensions = null) =>
        new() { Problem = Problems.Of(status, code, detail, extensions) };

    public static async Task<IntakeForm> ReadAsync(HttpContext context, ApplicationOptions options, CvInspector inspector, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "request.multipart_required",
                "Send the application as multipart/form-data with an 'applicant' part (JSON), a 'cv' file and optionally a 'coverLetter' file.");
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200)
        {
            return Refuse(StatusCodes.Status400BadRequest, "request.multipart_malformed", "The multipart body has no (or an overlong) boundary: let your HTTP library build the body.");
        }

        var limit = options.MaxRequestSize;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        // Kestrel enforces it too (a chunked body has no length to check up front).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        var reader = new MultipartReader(boundary, new CountingStream(request.Body, limit))
        {
            HeadersCountLimit = 16,
            HeadersLengthLimit = 16 * 1024,
        };

        string? applicantJson = null;
        (byte[] Content, string? Type, string? Name)? cv = null;
        (byte[] Content, string? Type, string? Name)? coverLetter = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || string.IsNullOrEmpty(HeaderUtilities.RemoveQuotes(disposition.Name).Value))
                {
                    return Refuse(StatusCodes.Status400BadRequest, "request.multipart_malformed",
                        "Every part needs a 'Content-Disposition: form-data; name=…' header: let your HTTP library build the body.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value!;
                if (name is not ("applicant" or "cv" or "coverLetter") || !seen.Add(name))
                {
                    return Refuse(StatusCodes.Status400BadRequest, "application.unexpected_part",
                        "Send exactly one 'applicant' part, one 'cv' file and at most one 'coverLetter' file; nothing else.",
                        new Dictionary<string, object?> { ["part"] = name.Length > 40 ? name[..40] : name });
                }

                if (name == "applicant")
                {
                    var bytes = await ReadCappedAsync(section.Body, MaxApplicantJson, cancellationToken);
                    if (bytes is null)
                    {
                        return Refuse(StatusCodes.Status400BadRequest, "application.applicant_malformed",
                            $"The 'applicant' part is larger than {MaxApplicantJson / 1024} KB: send the applicant's fields only, files as their own parts.");
                    }

                    applicantJson = System.Text.Encoding.UTF8.GetString(bytes);
                    continue;
                }

                var content = await ReadCappedAsync(section.Body, options.MaxFileSize, cancellationToken);
                if (content is null)
                {
                    return Refuse(StatusCodes.Status413PayloadTooLarge, "file.too_large",
                        $"The '{name}' file is larger than {options.MaxFileSize / (1024 * 1024.0):0.#} MB: ask the applicant for a smaller file (a PDF export is usually small).",
                        new Dictionary<string, object?> { ["part"] = name, ["maxBytes"] = options.MaxFileSize });
                }

                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                var file = (content, section.ContentType, fileName);
                if (name == "cv")
                {
                    cv = file;
                }
                else
                {
                    coverLetter = file;
                }
            }
        }
        catch (BodyTooLargeException)
        {
            return TooLarge(limit);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or BadHttpRequestException or FormatException)
        {
            return Refuse(StatusCodes.Status400BadRequest, "request.multipart_malformed",
                "The multipart body is malformed or was cut short: send the whole request again, built by your HTTP library.");
        }

        if (applicantJson is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, "application.applicant_missing",
                "The 'applicant' part (JSON with firstName, lastName, email and consent) is missing.");
        }

        ApplicantInput? applicant;
        try
        {
            applicant = JsonSerializer.Deserialize(applicantJson, ApplicationJsonContext.Default.ApplicantInput);
        }
        catch (JsonException e)
        {
            // The path (e.g. $.education[0].startDate) helps; the message could quote the value, so it is not sent.
            return Refuse(StatusCodes.Status400BadRequest, "application.applicant_malformed",
                "The 'applicant' part is not JSON of the expected shape (unknown fields, wrong types and nesting deeper than 16 are refused): see the API reference.",
                new Dictionary<string, object?> { ["path"] = e.Path });
        }

        if (applicant is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, "application.applicant_malformed", "The 'applicant' part must be a JSON object.");
        }

        if (cv is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, "application.cv_missing", "The 'cv' file is missing: every application carries the applicant's CV.");
        }

        var errors = ApplicantRules.Validate(applicant);
        if (errors.Count > 0)
        {
            return new IntakeForm { Problem = Problems.Validation(errors) };
        }

        var inspectedCv = Inspect(inspector, cv.Value, ApplicationFileKind.Cv, "cv", out var cvProblem);
        if (cvProblem is not null)
        {
            return new IntakeForm { Problem = cvProblem };
        }

        IncomingFile? inspectedLetter = null;
        if (coverLetter is { } letter)
        {
            inspectedLetter = Inspect(inspector, letter, ApplicationFileKind.CoverLetter, "coverLetter", out var letterProblem);
            if (letterProblem is not null)
            {
                return new IntakeForm { Problem = letterProblem };
            }
        }

        return new IntakeForm { Applicant = applicant, Cv = inspectedCv, CoverLetter = inspectedLetter };
    }

    private static IncomingFile? Inspect(CvInspector inspector, (byte[] Content, string? Type, string? Name) file, ApplicationFileKind kind, string part,
        out ProblemHttpResult? problem)
    {
        var (inspected, rejected) = ApplicationSubmission.Inspect(inspector, file.Content, file.Type, file.Name, kind);
        problem = rejected is null ? null
            : Problems.Of(rejected.Status, rejected.Code, $"The '{part}' file: {rejected.Detail}", new Dictionary<string, object?> { ["part"] = part });
        return inspected;
    }

    private static IntakeForm TooLarge(long limit) => Refuse(StatusCodes.Status413PayloadTooLarge, "request.too_large",
        $"The request is larger than {limit / (1024 * 1024.0):0.#} MB (two files and the applicant): send smaller files.",
        new Dictionary<string, object?> { ["maxBytes"] = limit });

    /// <summary>The part's bytes, or null as soon as it passes <paramref name="max"/> (the rest is not read).</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, long max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private sealed class BodyTooLargeException : IOException;

    /// <summary>Counts what is read from the body and stops past the limit, whatever the server enforces.</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw new BodyTooLargeException() : read;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
