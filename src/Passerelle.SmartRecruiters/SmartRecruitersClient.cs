using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Passerelle.SmartRecruiters.Probing;
using Passerelle.SmartRecruiters.Tokens;
using Passerelle.SmartRecruiters.Transport;
using Passerelle.SmartRecruiters.Wire;

namespace Passerelle.SmartRecruiters;

/// <summary>
/// The SmartRecruiters Customer API as Passerelle uses it. Thread-safe and shared: every call names its credential;
/// tokens and the rate budget are kept per credential for the whole process. Every call returns an
/// <see cref="SrOutcome{T}"/>; see docs/smartrecruiters-client.md for what callers must do with each kind.
/// </summary>
public sealed class SmartRecruitersClient
{
    /// <summary>The named HttpClient the client sends through (tests swap its primary handler).</summary>
    public const string HttpClientName = SrTransport.HttpClientName;

    private const string NoSuchJob = "00000000-0000-0000-0000-000000000000";

    private readonly SrTransport _transport;
    private readonly Microsoft.Extensions.Options.IOptionsMonitor<SmartRecruitersOptions> _options;

    internal SmartRecruitersClient(SrTransport transport, Microsoft.Extensions.Options.IOptionsMonitor<SmartRecruitersOptions> options)
    {
        _transport = transport;
        _options = options;
    }

    /// <summary>Every job matching the query, following SR's cursors; see <see cref="SrJobListing.IsComplete"/> afterwards.</summary>
    public SrJobListing ListJobsAsync(SrCredential credential, JobQuery? query = null)
    {
        query ??= new JobQuery();
        var limit = Math.Clamp(query.Limit ?? _options.CurrentValue.PageSize, 1, 100);
        return new SrJobListing((pageId, ct) =>
        {
            var path = new StringBuilder("/jobs?limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
            Append(path, "updatedAfter", query.UpdatedAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            Append(path, "lastActivityAfter", query.LastActivityAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            Append(path, "status", query.Status);
            Append(path, "postingStatus", query.PostingStatus);
            Append(path, "q", query.Text);
            Append(path, "pageId", pageId);
            var call = new SrCall("GET /jobs", HttpMethod.Get, path.ToString()) { AcceptLanguage = query.AcceptLanguage };
            return _transport.SendAsync(credential, call, body => JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.JobPage)
                ?? throw new JsonException("Empty job page."), ct);
        });
    }

    /// <summary>One job with its ad; <see cref="JobDetails.RawJson"/> keeps SR's answer as sent.</summary>
    public Task<SrOutcome<JobDetails>> GetJobAsync(SrCredential credential, string jobId, string? acceptLanguage = null, CancellationToken cancellationToken = default)
    {
        var call = new SrCall("GET /jobs/{id}", HttpMethod.Get, "/jobs/" + Uri.EscapeDataString(jobId)) { AcceptLanguage = acceptLanguage };
        return _transport.SendAsync(credential, call, body =>
        {
            var job = JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.JobDetails) ?? throw new JsonException("Empty job.");
            job.RawJson = body;
            return job;
        }, cancellationToken);
    }

    /// <summary>
    /// Creates a candidate from JSON, on a job (or as a general application when <paramref name="jobId"/> is null).
    /// <paramref name="beforeSend"/> runs once, right before the request first leaves (after its rate slot and token):
    /// where a caller records that the candidate may exist from now on. If it throws, nothing is sent.
    /// </summary>
    public Task<SrOutcome<CandidateDetails>> CreateCandidateAsync(SrCredential credential, string? jobId, CandidateInput candidate,
        Func<CancellationToken, ValueTask>? beforeSend = null, CancellationToken cancellationToken = default)
    {
        var call = new SrCall(jobId is null ? "POST /candidates" : "POST /jobs/{id}/candidates", HttpMethod.Post,
            jobId is null ? "/candidates" : $"/jobs/{Uri.EscapeDataString(jobId)}/candidates")
        {
            IsCreate = true,
            BeforeFirstSend = beforeSend,
            Content = _ => ValueTask.FromResult<HttpContent>(JsonContent.Create(candidate, SmartRecruitersJsonContext.Default.CandidateInput)),
        };
        return _transport.SendAsync(credential, call, ReadCandidate, cancellationToken);
    }

    /// <summary>Lets SR create the candidate by parsing a resume (the alternative to JSON creation).</summary>
    public Task<SrOutcome<CandidateDetails>> CreateCandidateFromResumeAsync(SrCredential credential, string? jobId, SrFile resume, ResumeSource? source = null,
        Func<CancellationToken, ValueTask>? beforeSend = null, CancellationToken cancellationToken = default)
    {
        var fields = new Dictionary<string, string?>
        {
            ["sourceTypeId"] = source?.SourceTypeId,
            ["sourceSubTypeId"] = source?.SourceSubTypeId,
            ["sourceId"] = source?.SourceId,
            ["internal"] = source?.Internal is { } isInternal ? (isInternal ? "true" : "false") : null,
        };
        var call = new SrCall(jobId is null ? "POST /candidates/cv" : "POST /jobs/{id}/candidates/cv", HttpMethod.Post,
            jobId is null ? "/candidates/cv" : $"/jobs/{Uri.EscapeDataString(jobId)}/candidates/cv")
        {
            IsCreate = true,
            BeforeFirstSend = beforeSend,
            UploadBytes = resume.Length,
            Content = ct => Multipart(resume, fields, ct),
        };
        return _transport.SendAsync(credential, call, ReadCandidate, cancellationToken);
    }

    /// <summary>Uploads a file to a candidate (on a job when <paramref name="jobId"/> is given), streamed from <paramref name="file"/>.</summary>
    public Task<SrOutcome<SrAttachment>> AttachAsync(SrCredential credential, string candidateId, string? jobId, SrAttachmentType type, SrFile file,
        CancellationToken cancellationToken = default)
    {
        var fields = new Dictionary<string, string?>
        {
            ["attachmentType"] = type switch
            {
                SrAttachmentType.Resume => "RESUME",
                SrAttachmentType.CoverLetter => "COVER_LETTER",
                _ => "GENERIC_FILE",
            },
        };
        var candidate = Uri.EscapeDataString(candidateId);
        var call = new SrCall(jobId is null ? "POST /candidates/{id}/attachments" : "POST /candidates/{id}/jobs/{jobId}/attachments", HttpMethod.Post,
            jobId is null ? $"/candidates/{candidate}/attachments" : $"/candidates/{candidate}/jobs/{Uri.EscapeDataString(jobId)}/attachments")
        {
            IsCreate = true,
            UploadBytes = file.Length,
            Content = ct => Multipart(file, fields, ct),
        };
        return _transport.SendAsync(credential, call,
            body => JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.SrAttachment) ?? throw new JsonException("Empty attachment."), cancellationToken);
    }

    /// <summary>Every public posting of a company (SR's public Posting API, no credential), all pages.</summary>
    public async Task<SrOutcome<IReadOnlyList<Posting>>> ListPostingsAsync(Uri baseUrl, string companyIdentifier, CancellationToken cancellationToken = default)
    {
        const int limit = 100;
        const int maxPages = 200;
        var postings = new List<Posting>();
        var attempts = 0;
        for (var page = 0; page < maxPages; page++)
        {
            var call = new SrCall("GET /v1/companies/{id}/postings", HttpMethod.Get,
                $"/v1/companies/{Uri.EscapeDataString(companyIdentifier)}/postings?limit={limit}&offset={page * limit}");
            var outcome = await _transport.SendAnonymousAsync(baseUrl, call,
                body => JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.PostingPage) ?? throw new JsonException("Empty posting page."), cancellationToken);
            attempts += outcome.Attempts;
            if (!outcome.IsSuccess)
            {
                return outcome.As<IReadOnlyList<Posting>>();
            }

            var content = outcome.Value.Content ?? [];
            postings.AddRange(content);
            if (content.Count < limit || postings.Count >= outcome.Value.TotalFound)
            {
                return SrOutcome.Success<IReadOnlyList<Posting>>(postings, 200, attempts);
            }
        }

        return SrOutcome.Success<IReadOnlyList<Posting>>(postings, 200, attempts);
    }

    /// <summary>
    /// Checks a credential without creating anything in SR: the token, each scope Passerelle needs, extra scopes
    /// (least privilege), the company's API feature, and whether <paramref name="companyIdentifier"/> belongs to the
    /// same company as the credential. Always asks SR for a fresh token, so a re-test checks the current secret.
    /// </summary>
    public async Task<SrProbeResult> ProbeAsync(SrCredential credential, string companyIdentifier, CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();

        // A token of the probe's own, from exactly the secret being checked: never one another caller had cached or
        // was fetching with the stored secret. Once granted, it serves everyone (same credential, same scopes).
        var fresh = await _transport.RequestTokenAsync(credential, cancellationToken);
        var token = TokenResult.From(fresh);
        if (token.Token is not null)
        {
            _transport.Tokens.Adopt(credential, token.Token);
        }

        var required = SrScopes.Required.ToDictionary(s => s, _ => SrScopeVerdict.Unknown, StringComparer.Ordinal);
        if (token.Token is null)
        {
            var rejected = token.Failure!.Kind == SrOutcomeKind.CredentialsRejected;
            notes.Add(token.Failure.Detail ?? "No token.");
            return new SrProbeResult
            {
                Token = rejected ? SrTokenVerdict.CredentialsRejected : SrTokenVerdict.Unknown,
                RequiredScopes = required,
                ExtraScopes = [],
                ApiAccess = SrApiAccessVerdict.Unknown,
                Company = SrCompanyVerdict.Unverifiable,
                Notes = notes,
            };
        }

        var apiAccess = SrApiAccessVerdict.Unknown;
        var jobs = await _transport.SendAsync(credential, new SrCall("GET /jobs", HttpMethod.Get, "/jobs?limit=1"), _ => true, cancellationToken);
        (required[SrScopes.JobsRead], apiAccess) = Verdict(jobs, notes);

        var create = await _transport.SendAsync(credential, new SrCall("POST /jobs/{id}/candidates", HttpMethod.Post, $"/jobs/{NoSuchJob}/candidates")
        {
            IsCreate = true,
            Content = _ => ValueTask.FromResult<HttpContent>(new StringContent("{}", Encoding.UTF8, "application/json")),
        }, _ => true, cancellationToken);
        var (createVerdict, createAccess) = create.Kind is SrOutcomeKind.Rejected or SrOutcomeKind.NotFound
            ? (SrScopeVerdict.Held, SrApiAccessVerdict.Enabled)
            : Verdict(create, notes);
        required[SrScopes.CandidatesCreate] = createVerdict;
        apiAccess = apiAccess == SrApiAccessVerdict.Unknown ? createAccess : apiAccess;

        var extras = new List<SrExtraScope>();
        if (token.Token.Scopes is { } granted)
        {
            extras.AddRange(granted.Where(s => !SrScopes.Required.Contains(s)).Distinct().Order(StringComparer.Ordinal)
                .Select(s => new SrExtraScope(s, SrScopes.PromptFor(s), SrExtraScopeEvidence.TokenScopeField)));
        }
        else if (apiAccess == SrApiAccessVerdict.Enabled)
        {
            // Without a scope field only read-only probes can reveal extra privileges; candidates_read is the one
            // that matters most (it exposes every applicant) and the one a read can prove without side effects.
            var read = await _transport.SendAsync(credential, new SrCall("GET /candidates", HttpMethod.Get, "/candidates?limit=1") { LearnLimits = false },
                _ => true, cancellationToken);
            if (read.IsSuccess)
            {
                extras.Add(new SrExtraScope(SrScopes.CandidatesRead, SrScopes.PromptFor(SrScopes.CandidatesRead), SrExtraScopeEvidence.ReadProbe));
            }
        }

        var (company, compared, found) = required[SrScopes.JobsRead] == SrScopeVerdict.Held
            ? await CompareCompanyAsync(credential, companyIdentifier, notes, cancellationToken)
            : (SrCompanyVerdict.Unverifiable, 0, 0);

        return new SrProbeResult
        {
            Token = SrTokenVerdict.Granted,
            GrantedScopes = token.Token.Scopes,
            RequiredScopes = required,
            ExtraScopes = extras,
            ApiAccess = apiAccess,
            Company = company,
            PublicJobsCompared = compared,
            PublicJobsFoundInPostings = found,
            Notes = notes,
        };
    }

    /// <summary>Drops the credential's cached token (call it after the secret changed).</summary>
    public void Forget(SrCredential credential) => _transport.Tokens.Forget(credential);

    private async Task<(SrCompanyVerdict Verdict, int Compared, int Found)> CompareCompanyAsync(SrCredential credential, string companyIdentifier, List<string> notes,
        CancellationToken cancellationToken)
    {
        var listing = ListJobsAsync(credential, new JobQuery { PostingStatus = "PUBLIC", Limit = 100 });
        var references = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var job in listing.WithCancellation(cancellationToken))
        {
            if (!string.IsNullOrEmpty(job.RefNumber))
            {
                references.Add(job.RefNumber);
            }

            if (references.Count >= 100)
            {
                break;
            }
        }

        if (listing.Failure is { } failure)
        {
            notes.Add($"Public jobs could not be listed to check the company identifier: {failure.Detail}");
            return (SrCompanyVerdict.Unverifiable, 0, 0);
        }

        if (references.Count == 0)
        {
            notes.Add("The credential sees no PUBLIC job, so the company identifier cannot be cross-checked yet.");
            return (SrCompanyVerdict.Unverifiable, 0, 0);
        }

        var postings = await ListPostingsAsync(credential.BaseUrl, companyIdentifier, cancellationToken);
        if (!postings.IsSuccess)
        {
            notes.Add($"The public postings of '{companyIdentifier}' could not be read: {postings.Detail}");
            return (SrCompanyVerdict.Unverifiable, references.Count, 0);
        }

        var published = postings.Value.Select(p => p.RefNumber).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var found = references.Count(published.Contains);
        return (found > 0 ? SrCompanyVerdict.Consistent : SrCompanyVerdict.Mismatch, references.Count, found);
    }

    private static (SrScopeVerdict Scope, SrApiAccessVerdict ApiAccess) Verdict<T>(SrOutcome<T> outcome, List<string> notes)
    {
        switch (outcome)
        {
            case { IsSuccess: true }:
                return (SrScopeVerdict.Held, SrApiAccessVerdict.Enabled);
            case { Kind: SrOutcomeKind.Forbidden, Forbidden: SrForbiddenReason.ApiAccessDisabled }:
                return (SrScopeVerdict.Unknown, SrApiAccessVerdict.Disabled);
            case { Kind: SrOutcomeKind.Forbidden }:
                return (SrScopeVerdict.Missing, SrApiAccessVerdict.Enabled);
            default:
                notes.Add(outcome.Detail ?? outcome.Kind.ToString());
                return (SrScopeVerdict.Unknown, SrApiAccessVerdict.Unknown);
        }
    }

    private static CandidateDetails ReadCandidate(string body) =>
        JsonSerializer.Deserialize(body, SmartRecruitersJsonContext.Default.CandidateDetails) ?? throw new JsonException("Empty candidate.");

    private static async ValueTask<HttpContent> Multipart(SrFile file, Dictionary<string, string?> fields, CancellationToken cancellationToken)
    {
        // Parsed before the file is opened, so a bad media type cannot leave a stream open.
        var mediaType = MediaTypeHeaderValue.Parse(file.ContentType);
        var stream = await file.OpenAsync(cancellationToken);
        var content = new MultipartFormDataContent();
        var part = new StreamContent(stream, 81920);
        part.Headers.ContentType = mediaType;
        content.Add(part, "file", file.FileName);
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                content.Add(new StringContent(value), name);
            }
        }

        return content;
    }

    private static void Append(StringBuilder path, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            path.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}
