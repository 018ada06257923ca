using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;
using Passerelle.Sandbox.Gate;
using Passerelle.Sandbox.Jobs;
using Passerelle.Sandbox.Seed;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Control;

/// <summary>
/// The sandbox's own control and inspection API under <c>/_sandbox/</c>: what tests, the demo and the bench use to
/// play the SR administrator and recruiters, to inject faults and to read back what SR received. Errors are
/// RFC 9457 problem details (this is our API, not SR's).
/// </summary>
internal static class ControlEndpoints
{
    private const long MaxControlBody = 4 * 1024 * 1024;

    public static void MapControlEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var control = endpoints.MapGroup("/_sandbox");

        control.MapGet("/demo", Demo);

        control.MapGet("/companies", (SandboxState state) =>
        {
            lock (state.Gate)
            {
                return SrResults.Json(state.Companies.Values.OrderBy(c => c.Identifier).Select(c => SandboxAdmin.View(state, c)).ToList(),
                    SandboxJsonContext.Wire.ListCompanyView);
            }
        });
        control.MapPost("/companies", CreateCompanyAsync);
        control.MapPatch("/companies/{identifier}", PatchCompanyAsync);

        control.MapPost("/credentials", CreateCredentialAsync);
        control.MapGet("/credentials/{clientId}", (SandboxState state, string clientId) =>
            WithCredential(state, clientId, c => SrResults.Json(SandboxAdmin.View(c, withSecret: false), SandboxJsonContext.Wire.CredentialView)));
        control.MapDelete("/credentials/{clientId}", DeleteCredential);
        control.MapPut("/credentials/{clientId}/scopes", SetScopesAsync);
        control.MapPost("/credentials/{clientId}/regenerate-secret", (SandboxState state, string clientId) =>
            WithCredential(state, clientId, c =>
            {
                c.Secret = SandboxState.RandomToken(40);
                return SrResults.Json(SandboxAdmin.View(c, withSecret: true), SandboxJsonContext.Wire.CredentialView);
            }));
        control.MapPost("/credentials/{clientId}/revoke-tokens", (SandboxState state, string clientId) =>
            WithCredential(state, clientId, c =>
            {
                foreach (var token in state.Tokens.Where(t => t.Value.ClientId == c.ClientId).Select(t => t.Key).ToList())
                {
                    state.Tokens.Remove(token);
                }

                return Results.NoContent();
            }));
        control.MapGet("/credentials/{clientId}/faults", (SandboxState state, string clientId) =>
            WithCredential(state, clientId, c => SrResults.Json(FaultsView(c), SandboxJsonContext.Wire.FaultSettings)));
        control.MapPut("/credentials/{clientId}/faults", SetFaultsAsync);
        control.MapDelete("/credentials/{clientId}/faults", (SandboxState state, string clientId) =>
            WithCredential(state, clientId, c =>
            {
                c.Faults = new FaultSettings();
                c.Script = new Queue<string>();
                return Results.NoContent();
            }));

        control.MapPost("/companies/{identifier}/jobs", CreateJobAsync);
        control.MapPatch("/jobs/{jobId}", PatchJobAsync);
        control.MapDelete("/jobs/{jobId}", DeleteJob);

        control.MapGet("/settings", (SandboxState state) => SrResults.Json(state.Settings, SandboxJsonContext.Wire.SandboxSettings));
        control.MapPut("/settings", SetSettingsAsync);

        control.MapGet("/candidates", Candidates);
        control.MapGet("/candidates/{candidateId}/attachments/{attachmentId}/content", AttachmentContent);
        control.MapGet("/stats", Stats);
        control.MapPost("/reset", Reset);
    }

    private static IResult Demo(HttpContext http, SandboxState state)
    {
        lock (state.Gate)
        {
            if (state.DemoCompany is null || !state.Companies.TryGetValue(state.DemoCompany, out var company)
                || state.DemoClientId is null || !state.Credentials.TryGetValue(state.DemoClientId, out var credential))
            {
                return Problem(StatusCodes.Status404NotFound, "sandbox.demo_not_seeded",
                    "The demo company is not seeded: reset with POST /_sandbox/reset?seed=demo.");
            }

            return SrResults.Json(new DemoView
            {
                Identifier = company.Identifier,
                Name = company.Name,
                ApiKey = company.ApiKey,
                BaseUrl = http.Request.BaseUrl(),
                Credential = new DemoCredential
                {
                    ClientId = credential.ClientId,
                    ClientSecret = credential.Secret,
                    Scopes = [.. credential.Scopes.Order(StringComparer.Ordinal)],
                },
            }, SandboxJsonContext.Wire.DemoView);
        }
    }

    private static async Task<IResult> CreateCompanyAsync(HttpRequest request, SandboxState state)
    {
        var (input, error) = await ReadJsonAsync(request, SandboxJsonContext.Wire.CompanyInput);
        if (input is null)
        {
            return error!;
        }

        lock (state.Gate)
        {
            var (company, problem) = SandboxAdmin.AddCompany(state, input);
            return company is null
                ? Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_company", problem!)
                : SrResults.Json(SandboxAdmin.View(state, company), SandboxJsonContext.Wire.CompanyView, StatusCodes.Status201Created);
        }
    }

    private static async Task<IResult> PatchCompanyAsync(HttpRequest request, SandboxState state, string identifier)
    {
        var (input, error) = await ReadJsonAsync(request, SandboxJsonContext.Wire.CompanyInput);
        if (input is null)
        {
            return error!;
        }

        lock (state.Gate)
        {
            if (!state.Companies.TryGetValue(identifier, out var company))
            {
                return Problem(StatusCodes.Status404NotFound, "sandbox.unknown_company", $"No company '{identifier}'.");
            }

            if (input.Name is { Length: > 0 } name)
            {
                company.Name = name;
            }

            if (input.ApiAccess is { } access)
            {
                company.ApiAccess = access;
            }

            return SrResults.Json(SandboxAdmin.View(state, company), SandboxJsonContext.Wire.CompanyView);
        }
    }

    private static async Task<IResult> CreateCredentialAsync(HttpRequest request, SandboxState state)
    {
        var (input, error) = await ReadJsonAsync(request, SandboxJsonContext.Wire.CredentialInput);
        if (input is null)
        {
            return error!;
        }

        lock (state.Gate)
        {
            var (credential, problem) = SandboxAdmin.AddCredential(state, input);
            return credential is null
                ? Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_credential", problem!)
                : SrResults.Json(SandboxAdmin.View(credential, withSecret: true), SandboxJsonContext.Wire.CredentialView, StatusCodes.Status201Created);
        }
    }

    private static IResult DeleteCredential(SandboxState state, string clientId)
    {
        lock (state.Gate)
        {
            if (!state.Credentials.Remove(clientId))
            {
                return UnknownCredential(clientId);
            }

            foreach (var token in state.Tokens.Where(t => t.Value.ClientId == clientId).Select(t => t.Key).ToList())
            {
                state.Tokens.Remove(token);
            }

            return Results.NoContent();
        }
    }

    private static async Task<IResult> SetScopesAsync(HttpRequest request, SandboxState state, string clientId)
    {
        var (input, error) = await ReadJsonAsync(request, SandboxJsonContext.Wire.ScopesInput);
        if (input is null)
        {
            return error!;
        }

        if (SandboxAdmin.ScopeError(input.Scopes) is { } problem)
        {
            return Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_scopes", problem);
        }

        return WithCredential(state, clientId, c =>
        {
            c.Scopes = [.. input.Scopes!];
            return SrResults.Json(SandboxAdmin.View(c, withSecret: false), SandboxJsonContext.Wire.CredentialView);
        });
    }

    private static async Task<IResult> SetFaultsAsync(HttpRequest request, SandboxState state, string clientId)
    {
        var (faults, error) = await ReadJsonAsync(request, SandboxJsonContext.Wire.FaultSettings);
        if (faults is null)
        {
            return error!;
        }

        if (faults.Validate() is { Count: > 0 } problems)
        {
            return Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_faults", string.Join(" ", problems));
        }

        return WithCredential(state, clientId, c =>
        {
            c.Faults = faults;
            c.Script = new Queue<string>(faults.Script ?? []);
            return SrResults.Json(FaultsView(c), SandboxJsonContext.Wire.FaultSettings);
        });
    }

    private static async Task<IResult> CreateJobAsync(HttpRequest request, SandboxState state, string identifier)
    {
        var (body, error) = await ReadObjectAsync(request);
        if (body is null)
        {
            return error!;
        }

        lock (state.Gate)
        {
            if (!state.Companies.ContainsKey(identifier))
            {
                return Problem(StatusCodes.Status404NotFound, "sandbox.unknown_company", $"No company '{identifier}'.");
            }

            var (job, problem) = JobCatalog.Create(state, identifier, body);
            return job is null
                ? Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_job", problem!)
                : SrResults.Json(JobCatalog.Details(job, [], request.BaseUrl()), SandboxJsonContext.Wire.JobDetails, StatusCodes.Status201Created);
        }
    }

    private static async Task<IResult> PatchJobAsync(HttpRequest request, SandboxState state, string jobId)
    {
        var (body, error) = await ReadObjectAsync(request);
        if (body is null)
        {
            return error!;
        }

        lock (state.Gate)
        {
            if (!state.Jobs.TryGetValue(jobId, out var job))
            {
                return Problem(StatusCodes.Status404NotFound, "sandbox.unknown_job", $"No job '{jobId}'.");
            }

            var (patched, problem) = JobCatalog.Patch(state, job, body);
            return patched is null
                ? Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_job", problem!)
                : SrResults.Json(JobCatalog.Details(patched, [], request.BaseUrl()), SandboxJsonContext.Wire.JobDetails);
        }
    }

    private static IResult DeleteJob(SandboxState state, string jobId)
    {
        lock (state.Gate)
        {
            return state.Jobs.Remove(jobId)
                ? Results.NoContent()
                : Problem(StatusCodes.Status404NotFound, "sandbox.unknown_job", $"No job '{jobId}'.");
        }
    }

    private static async Task<IResult> SetSettingsAsync(HttpRequest request, SandboxState state)
    {
        var (patch, error) = await ReadObjectAsync(request);
        if (patch is null)
        {
            return error!;
        }

        var current = JsonSerializer.SerializeToNode(state.Settings, SandboxJsonContext.Wire.SandboxSettings)!.AsObject();
        JsonMergePatch.Apply(current, patch);
        SandboxSettings? settings;
        try
        {
            settings = current.Deserialize(SandboxJsonContext.Wire.SandboxSettings);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_settings", $"The settings do not have the expected shape: {e.Message}");
        }

        if (settings is null || settings.Validate() is { Count: > 0 })
        {
            return Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_settings", string.Join(" ", settings?.Validate() ?? ["A JSON object is required."]));
        }

        state.Settings = settings;
        return SrResults.Json(settings, SandboxJsonContext.Wire.SandboxSettings);
    }

    private static IResult Candidates(SandboxState state, string? company)
    {
        lock (state.Gate)
        {
            return SrResults.Json(CandidateViews(state, company), SandboxJsonContext.Wire.ListCandidateView);
        }
    }

    /// <summary>Every candidate received, oldest first, with their attachments. Callers hold the state lock.</summary>
    internal static List<CandidateView> CandidateViews(SandboxState state, string? company) =>
        [.. state.Candidates.Values
            .Where(c => string.IsNullOrEmpty(company) || string.Equals(c.Company, company, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Details.CreatedOn).ThenBy(c => c.Id)
            .Select(c => new CandidateView
            {
                Id = c.Id,
                Company = c.Company,
                JobId = c.JobId,
                JobTitle = c.Details.PrimaryAssignment?.Job?.Title,
                FirstName = c.Details.FirstName,
                LastName = c.Details.LastName,
                Email = c.Details.Email,
                PhoneNumber = c.Details.PhoneNumber,
                CreatedVia = c.CreatedVia,
                CreatedBy = c.CreatedBy,
                CreatedOn = c.Details.CreatedOn ?? default,
                Status = c.Details.PrimaryAssignment?.Status,
                Source = c.Source,
                Internal = c.Details.Internal,
                Tags = c.Details.Tags,
                Attachments = [.. c.Attachments.Select(a => new AttachmentView
                {
                    Id = a.Id, Name = a.Name, Type = a.Type, ContentType = a.ContentType, Size = a.Size, Sha256 = a.Sha256,
                    CreatedOn = a.CreatedOn, JobId = a.JobId,
                })],
            })];

    private static IResult AttachmentContent(SandboxState state, string candidateId, string attachmentId)
    {
        lock (state.Gate)
        {
            var attachment = state.Candidates.GetValueOrDefault(candidateId)?.Attachments.FirstOrDefault(a => a.Id == attachmentId);
            if (attachment is null)
            {
                return Problem(StatusCodes.Status404NotFound, "sandbox.unknown_attachment", "No such attachment.");
            }

            return attachment.Content is null
                ? Problem(StatusCodes.Status410Gone, "sandbox.attachment_not_kept",
                    "Only the hash of this attachment was kept (it is larger than keepAttachmentContentUpToBytes).")
                : Results.File(attachment.Content, attachment.ContentType, attachment.Name);
        }
    }

    private static IResult Stats(TrafficMonitor traffic, SandboxState state, string? clientId)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return SrResults.Json([.. traffic.AllStats()], SandboxJsonContext.Wire.ListStatsView);
        }

        if (traffic.Stats(clientId) is { } stats)
        {
            return SrResults.Json(stats, SandboxJsonContext.Wire.StatsView);
        }

        lock (state.Gate)
        {
            // A credential that has made no call yet has all-zero stats; a client id the sandbox never heard of is a typo.
            return state.Credentials.ContainsKey(clientId)
                ? SrResults.Json(new StatsView { ClientId = clientId, Endpoints = new Dictionary<string, EndpointStatsView>() }, SandboxJsonContext.Wire.StatsView)
                : UnknownCredential(clientId);
        }
    }

    private static IResult Reset(SandboxSeeder seeder, string? seed)
    {
        var (result, error) = seeder.Reset(seed);
        return result is null
            ? Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_seed", error!)
            : SrResults.Json(result, SandboxJsonContext.Wire.ResetResult);
    }

    private static IResult WithCredential(SandboxState state, string clientId, Func<Credential, IResult> action)
    {
        lock (state.Gate)
        {
            return state.Credentials.TryGetValue(clientId, out var credential) ? action(credential) : UnknownCredential(clientId);
        }
    }

    private static FaultSettings FaultsView(Credential credential)
    {
        var view = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(credential.Faults, SandboxJsonContext.Wire.FaultSettings),
            SandboxJsonContext.Wire.FaultSettings)!;
        view.Script = [.. credential.Script];
        return view;
    }

    private static IResult UnknownCredential(string clientId) =>
        Problem(StatusCodes.Status404NotFound, "sandbox.unknown_credential", $"No credential with client id '{clientId}'.");

    internal static IResult Problem(int status, string code, string detail) =>
        Results.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });

    private static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var (node, error) = await ReadObjectAsync(request);
        if (node is null)
        {
            return (null, error);
        }

        try
        {
            return node.Deserialize(typeInfo) is { } value
                ? (value, null)
                : (null, Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_body", "A JSON object is required."));
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_body", $"The body does not have the expected shape: {e.Message}"));
        }
    }

    private static async Task<(JsonObject? Value, IResult? Error)> ReadObjectAsync(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "sandbox.json_required", "Send a JSON body with Content-Type: application/json."));
        }

        if (request.ContentLength > MaxControlBody)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "sandbox.body_too_large", $"Control bodies are limited to {MaxControlBody} bytes."));
        }

        try
        {
            using var limited = new MemoryStream();
            await request.Body.CopyToAsync(limited, request.HttpContext.RequestAborted);
            if (limited.Length > MaxControlBody)
            {
                return (null, Problem(StatusCodes.Status413PayloadTooLarge, "sandbox.body_too_large", $"Control bodies are limited to {MaxControlBody} bytes."));
            }

            return JsonNode.Parse(limited.ToArray()) is JsonObject value
                ? (value, null)
                : (null, Problem(StatusCodes.Status400BadRequest, "sandbox.invalid_body", "A JSON object is required."));
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "sandbox.malformed_json", $"Malformed JSON: {e.Message}"));
        }
    }
}
