using System.Globalization;

using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.Jobs;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Candidates;

/// <summary>Creating candidates (JSON or resume), attaching files, and reading candidates back (<c>candidates_read</c>).</summary>
internal static class CandidateEndpoints
{
    private static readonly string[] AttachmentTypes = ["GENERIC_FILE", "RESUME", "COVER_LETTER"];

    public static void MapCandidateEndpoints(this IEndpointRouteBuilder sr)
    {
        var create = SrScopes.CandidatesCreate;
        sr.MapPost("/jobs/{jobId}/candidates", (HttpContext http, SandboxState state, string jobId) => CreateFromJsonAsync(http, state, jobId))
            .WithMetadata(new SrEndpoint("POST /jobs/{id}/candidates", create));
        sr.MapPost("/candidates", (HttpContext http, SandboxState state) => CreateFromJsonAsync(http, state, null))
            .WithMetadata(new SrEndpoint("POST /candidates", create));
        sr.MapPost("/jobs/{jobId}/candidates/cv", (HttpContext http, SandboxState state, string jobId) => CreateFromResumeAsync(http, state, jobId))
            .WithMetadata(new SrEndpoint("POST /jobs/{id}/candidates/cv", create));
        sr.MapPost("/candidates/cv", (HttpContext http, SandboxState state) => CreateFromResumeAsync(http, state, null))
            .WithMetadata(new SrEndpoint("POST /candidates/cv", create));
        sr.MapPost("/candidates/{candidateId}/attachments",
                (HttpContext http, SandboxState state, string candidateId) => AttachAsync(http, state, candidateId, null))
            .WithMetadata(new SrEndpoint("POST /candidates/{id}/attachments", create));
        sr.MapPost("/candidates/{candidateId}/jobs/{jobId}/attachments",
                (HttpContext http, SandboxState state, string candidateId, string jobId) => AttachAsync(http, state, candidateId, jobId))
            .WithMetadata(new SrEndpoint("POST /candidates/{id}/jobs/{jobId}/attachments", create));
        sr.MapGet("/candidates", List).WithMetadata(new SrEndpoint("GET /candidates", SrScopes.CandidatesRead, ConcurrencyLimit: 1));
        sr.MapGet("/candidates/{candidateId}", Get).WithMetadata(new SrEndpoint("GET /candidates/{id}", SrScopes.CandidatesRead));
    }

    private static async Task<IResult> CreateFromJsonAsync(HttpContext http, SandboxState state, string? jobId)
    {
        var caller = http.Caller();
        var settings = state.Settings;
        if (jobId is not null && FindJob(state, caller.Company, jobId) is null)
        {
            return SrResults.NotFound($"Job '{jobId}' not found.");
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return SrResults.Error(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Send the candidate as application/json.");
        }

        var (body, tooLarge) = await ReadLimitedAsync(http.Request, settings.MaxJsonBodyBytes);
        if (tooLarge)
        {
            return SrResults.Error(StatusCodes.Status413PayloadTooLarge, "PAYLOAD_TOO_LARGE", $"The JSON body is larger than {settings.MaxJsonBodyBytes} bytes.");
        }

        CandidateInput? input;
        try
        {
            input = JsonSerializer.Deserialize(body, SandboxJsonContext.Wire.CandidateInput);
        }
        catch (JsonException e)
        {
            return SrResults.BadRequest($"Malformed JSON body: {e.Message}");
        }

        if (input is null)
        {
            return SrResults.BadRequest("The body must be a CandidateInput JSON object.");
        }

        var problems = Validate(input);
        if (problems.Count > 0)
        {
            return SrResults.Json(new SrErrorBody
            {
                Message = "Validation failed: " + string.Join(" ", problems.Select(p => p.Message)),
                Errors = problems,
            }, SandboxJsonContext.Wire.SrErrorBody, StatusCodes.Status400BadRequest);
        }

        return Create(http, state, jobId, input, "json", attachment: null);
    }

    private static async Task<IResult> CreateFromResumeAsync(HttpContext http, SandboxState state, string? jobId)
    {
        var caller = http.Caller();
        var settings = state.Settings;
        if (jobId is not null && FindJob(state, caller.Company, jobId) is null)
        {
            return SrResults.NotFound($"Job '{jobId}' not found.");
        }

        var (file, error) = await MultipartUpload.ReadAsync(http.Request, settings, ResumeParser.Extensions, settings.MaxAttachmentBytes);
        if (error is not null)
        {
            return error;
        }

        if (ResumeParser.Parse(file!.Extension, file.Content!) is not { } parsed)
        {
            return SrResults.Error(StatusCodes.Status422UnprocessableEntity, "RESUME_NOT_PARSABLE",
                "No candidate name or e-mail address could be read from the resume.");
        }

        var fields = file.Fields;
        var input = new CandidateInput
        {
            FirstName = parsed.FirstName ?? "Unknown",
            LastName = parsed.LastName ?? "Candidate",
            Email = parsed.Email,
            PhoneNumber = parsed.PhoneNumber,
            Internal = fields.TryGetValue("internal", out var isInternal) && bool.TryParse(isInternal, out var flag) && flag,
            SourceDetails = fields.TryGetValue("sourceTypeId", out var sourceType)
                ? new SourceDetails { SourceTypeId = sourceType, SourceSubTypeId = fields.GetValueOrDefault("sourceSubTypeId"), SourceId = fields.GetValueOrDefault("sourceId") }
                : null,
        };
        return Create(http, state, jobId, input, "resume", file);
    }

    private static IResult Create(HttpContext http, SandboxState state, string? jobId, CandidateInput input, string via, UploadedFile? attachment)
    {
        var caller = http.Caller();
        var settings = state.Settings;
        var baseUrl = http.Request.BaseUrl();
        lock (state.Gate)
        {
            JobRecord? job = null;
            if (jobId is not null)
            {
                job = FindJob(state, caller.Company, jobId);
                if (job is null)
                {
                    return SrResults.NotFound($"Job '{jobId}' not found.");
                }

                if (!JobCatalog.IsAcceptingCandidates(job))
                {
                    return SrResults.Error(StatusCodes.Status422UnprocessableEntity, "JOB_NOT_ACCEPTING_CANDIDATES",
                        $"Job '{jobId}' is {job.Details.Status} and does not accept candidates.");
                }
            }

            if (input.Email is { } email && settings.DuplicatePolicy != DuplicatePolicies.CreateNew)
            {
                var existing = state.Candidates.Values.FirstOrDefault(c =>
                    string.Equals(c.Company, caller.Company, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(c.JobId, job?.Id, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(c.Details.Email, email, StringComparison.OrdinalIgnoreCase));
                if (existing is not null)
                {
                    return settings.DuplicatePolicy == DuplicatePolicies.Conflict
                        ? SrResults.Error(StatusCodes.Status409Conflict, "CANDIDATE_ALREADY_APPLIED",
                            "A candidate with this e-mail address has already applied to this job.")
                        : SrResults.Json(existing.Details, SandboxJsonContext.Wire.CandidateDetails, StatusCodes.Status201Created);
                }
            }

            var now = state.Now();
            var id = Guid.NewGuid().ToString();
            var details = new CandidateDetails
            {
                Id = id,
                Internal = input.Internal ?? false,
                FirstName = input.FirstName,
                LastName = input.LastName,
                Email = input.Email,
                PhoneNumber = input.PhoneNumber,
                Location = input.Location,
                Web = input.Web,
                Tags = input.Tags,
                Education = input.Education,
                Experience = input.Experience,
                CreatedOn = now,
                UpdatedOn = now,
                PrimaryAssignment = job is null
                    ? null
                    : new Assignment
                    {
                        Job = new AssignmentJob { Id = job.Id, Title = job.Details.Title },
                        Status = "LEAD",
                        Source = input.SourceDetails ?? new SourceDetails { SourceTypeId = "API" },
                    },
                Actions = new CandidateActions
                {
                    Details = new Link { Url = $"{baseUrl}/candidates/{id}", Method = "GET" },
                    Attachments = new Link { Url = $"{baseUrl}/candidates/{id}/attachments", Method = "GET" },
                },
            };
            var candidate = new CandidateRecord
            {
                Company = caller.Company, Details = details, JobId = job?.Id, CreatedVia = via, CreatedBy = caller.Key,
                Source = input.SourceDetails ?? new SourceDetails { SourceTypeId = "API" },
            };
            if (attachment is not null)
            {
                candidate.Attachments.Add(ToRecord(attachment, "RESUME", job?.Id, now, settings));
            }

            state.Candidates[id] = candidate;
            if (job is not null)
            {
                job.Details.LastActivityOn = now;
            }

            return SrResults.Json(details, SandboxJsonContext.Wire.CandidateDetails, StatusCodes.Status201Created);
        }
    }

    private static async Task<IResult> AttachAsync(HttpContext http, SandboxState state, string candidateId, string? jobId)
    {
        var caller = http.Caller();
        var settings = state.Settings;
        if (Assigned(state, caller.Company, candidateId, jobId) is { } missing)
        {
            return missing;
        }

        var (file, error) = await MultipartUpload.ReadAsync(http.Request, settings, settings.AllowedAttachmentExtensions, settings.KeepAttachmentContentUpToBytes);
        if (error is not null)
        {
            return error;
        }

        var type = file!.Fields.GetValueOrDefault("attachmentType") is { Length: > 0 } given ? given : "GENERIC_FILE";
        if (!AttachmentTypes.Contains(type))
        {
            return SrResults.BadRequest($"attachmentType must be one of {string.Join(", ", AttachmentTypes)} (got '{type}').");
        }

        lock (state.Gate)
        {
            if (Assigned(state, caller.Company, candidateId, jobId) is { } gone)
            {
                return gone;
            }

            var record = ToRecord(file, type, jobId, state.Now(), settings);
            state.Candidates[candidateId].Attachments.Add(record);
            return SrResults.Json(new Wire.Attachment
            {
                Id = record.Id,
                Name = record.Name,
                Type = record.Type,
                ContentType = record.ContentType,
                Actions = new AttachmentActions
                {
                    Download = new Link { Url = $"{http.Request.BaseUrl()}/candidates/{candidateId}/attachments/{record.Id}", Method = "GET" },
                },
            }, SandboxJsonContext.Wire.Attachment, StatusCodes.Status201Created);
        }
    }

    private static IResult List(HttpContext http, SandboxState state)
    {
        var caller = http.Caller();
        var query = http.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : 10;
        var offset = int.TryParse(query["offset"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : 0;
        if (limit is < 1 or > 100 || offset < 0)
        {
            return SrResults.BadRequest("limit must be between 1 and 100 and offset non-negative.");
        }

        lock (state.Gate)
        {
            var all = state.Candidates.Values.Where(c => string.Equals(c.Company, caller.Company, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.Details.CreatedOn).ToList();
            return SrResults.Json(new CandidatePage
            {
                Offset = offset,
                Limit = limit,
                TotalFound = all.Count,
                Content = [.. all.Skip(offset).Take(limit).Select(c => c.Details)],
            }, SandboxJsonContext.Wire.CandidatePage);
        }
    }

    private static IResult Get(HttpContext http, SandboxState state, string candidateId)
    {
        var caller = http.Caller();
        lock (state.Gate)
        {
            return state.Candidates.TryGetValue(candidateId, out var candidate)
                   && string.Equals(candidate.Company, caller.Company, StringComparison.OrdinalIgnoreCase)
                ? SrResults.Json(candidate.Details, SandboxJsonContext.Wire.CandidateDetails)
                : SrResults.NotFound($"Candidate '{candidateId}' not found.");
        }
    }

    private static IResult? Assigned(SandboxState state, string company, string candidateId, string? jobId)
    {
        lock (state.Gate)
        {
            if (!state.Candidates.TryGetValue(candidateId, out var candidate) || !string.Equals(candidate.Company, company, StringComparison.OrdinalIgnoreCase))
            {
                return SrResults.NotFound($"Candidate '{candidateId}' not found.");
            }

            if (jobId is not null && (FindJob(state, company, jobId) is null || !string.Equals(candidate.JobId, jobId, StringComparison.OrdinalIgnoreCase)))
            {
                return SrResults.NotFound($"Candidate '{candidateId}' has no application to job '{jobId}'.");
            }

            return null;
        }
    }

    private static JobRecord? FindJob(SandboxState state, string company, string jobId)
    {
        lock (state.Gate)
        {
            return state.Jobs.TryGetValue(jobId, out var job) && string.Equals(job.Company, company, StringComparison.OrdinalIgnoreCase) ? job : null;
        }
    }

    private static AttachmentRecord ToRecord(UploadedFile file, string type, string? jobId, DateTimeOffset now, SandboxSettings settings) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Name = file.FileName,
        Type = type,
        ContentType = file.ContentType,
        Size = file.Size,
        Sha256 = file.Sha256,
        CreatedOn = now,
        JobId = jobId,
        Content = file.Content is { } content && content.LongLength <= settings.KeepAttachmentContentUpToBytes ? content : null,
    };

    private static async Task<(byte[] Body, bool TooLarge)> ReadLimitedAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            return ([], true);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return ([], true);
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), false);
    }

    private static List<SrErrorItem> Validate(CandidateInput input)
    {
        var problems = new List<SrErrorItem>();
        void Require(string? value, string field, int max)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add(new SrErrorItem { Code = "FIELD_REQUIRED", Message = $"{field}: may not be empty." });
            }
            else if (value.Length > max)
            {
                problems.Add(new SrErrorItem { Code = "FIELD_TOO_LONG", Message = $"{field}: at most {max} characters." });
            }
        }

        Require(input.FirstName, "firstName", 300);
        Require(input.LastName, "lastName", 300);
        Require(input.Email, "email", 254);
        if (!string.IsNullOrWhiteSpace(input.Email) && (!System.Net.Mail.MailAddress.TryCreate(input.Email, out var address) || address.Address != input.Email.Trim()
                                                        || !address.Host.Contains('.', StringComparison.Ordinal)))
        {
            problems.Add(new SrErrorItem { Code = "INVALID_EMAIL", Message = "email: not a valid e-mail address." });
        }

        if (input.PhoneNumber is { Length: > 50 })
        {
            problems.Add(new SrErrorItem { Code = "FIELD_TOO_LONG", Message = "phoneNumber: at most 50 characters." });
        }

        if (input.Location?.CountryCode is { } code && (code.Length != 2 || !code.All(char.IsAsciiLetter)))
        {
            problems.Add(new SrErrorItem { Code = "INVALID_COUNTRY_CODE", Message = "location.countryCode: two letters (ISO 3166-1 alpha-2)." });
        }

        if (input.Tags is { } tags && (tags.Count > 100 || tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 100)))
        {
            problems.Add(new SrErrorItem { Code = "INVALID_TAGS", Message = "tags: at most 100 non-empty tags of 100 characters." });
        }

        if (input.SourceDetails is { SourceTypeId: null or "" })
        {
            problems.Add(new SrErrorItem { Code = "FIELD_REQUIRED", Message = "sourceDetails.sourceTypeId: required when sourceDetails is given." });
        }

        return problems;
    }
}
