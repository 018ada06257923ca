using System.Text.Json;
using System.Text.Json.Nodes;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Jobs;

/// <summary>
/// Recruiters' side of jobs: creating, changing and deleting them (through the control API and the seed), and the
/// views SR serves of them. Callers hold <see cref="SandboxState.Gate"/>.
/// </summary>
internal static class JobCatalog
{
    private const string TranslationsKey = "translations";

    public static (JobRecord? Job, string? Error) Create(SandboxState state, string company, JsonObject body)
    {
        if (!state.Companies.ContainsKey(company))
        {
            return (null, $"Unknown company '{company}'.");
        }

        var (details, translations, error) = Read(body);
        if (details is null)
        {
            return (null, error);
        }

        if (details.Id is null)
        {
            details.Id = Guid.NewGuid().ToString();
        }
        else if (!Guid.TryParse(details.Id, out _))
        {
            return (null, $"id must be a UUID (got '{details.Id}').");
        }
        else if (state.Jobs.ContainsKey(details.Id))
        {
            return (null, $"A job with id '{details.Id}' already exists.");
        }

        var now = state.Now();
        var sequence = ++state.NextSequence;
        details.CreatedOn ??= details.UpdatedOn is { } updated && updated < now ? updated : now;
        details.UpdatedOn ??= details.CreatedOn;
        details.LastActivityOn ??= details.UpdatedOn;
        details.RefNumber ??= $"REF{sequence:D4}";
        details.Status ??= "SOURCING";
        details.PostingStatus ??= "PUBLIC";
        details.Template ??= false;
        details.Language = details.Language?.Code is { } code ? Languages.Info(code) : Languages.Info("en");
        if (details.JobAd is not null)
        {
            details.JobAd.Language ??= details.Language;
        }

        if (Validate(details) is { } invalid)
        {
            return (null, invalid);
        }

        var job = new JobRecord { Company = company, Sequence = sequence, Details = details, Translations = translations };
        Publish(state, job, now);
        state.Jobs[details.Id] = job;
        return (job, null);
    }

    /// <summary>Applies a JSON merge patch (RFC 7386) to a job: recruiters' edits, status and posting changes.</summary>
    public static (JobRecord? Job, string? Error) Patch(SandboxState state, JobRecord job, JsonObject patch)
    {
        if (patch.ContainsKey("id") || patch.ContainsKey("createdOn"))
        {
            return (null, "id and createdOn cannot change.");
        }

        var current = JsonSerializer.SerializeToNode(job.Details, SandboxJsonContext.Wire.JobDetails)!.AsObject();
        current[TranslationsKey] = JsonSerializer.SerializeToNode(job.Translations, SandboxJsonContext.Wire.DictionaryStringJobTranslation);
        JsonMergePatch.Apply(current, patch);

        var (details, translations, error) = Read(current);
        if (details is null)
        {
            return (null, error);
        }

        var now = state.Now();
        if (!patch.ContainsKey("updatedOn"))
        {
            details.UpdatedOn = now;
        }

        if (!patch.ContainsKey("lastActivityOn"))
        {
            details.LastActivityOn = details.UpdatedOn;
        }

        details.Language = Languages.Info(details.Language?.Code ?? job.LanguageCode);
        if (Validate(details) is { } invalid)
        {
            return (null, invalid);
        }

        job.Details = details;
        job.Translations = translations;
        Publish(state, job, now);
        return (job, null);
    }

    /// <summary>The job as SR serves it, in the best language the caller accepts.</summary>
    public static JobDetails Details(JobRecord job, IReadOnlyList<string> languages, string baseUrl)
    {
        var d = job.Details;
        var translation = Translation(job, languages);
        return new JobDetails
        {
            Id = d.Id,
            Title = translation?.Title ?? d.Title,
            RefNumber = d.RefNumber,
            CreatedOn = d.CreatedOn,
            UpdatedOn = d.UpdatedOn,
            LastActivityOn = d.LastActivityOn,
            Department = d.Department,
            Location = d.Location,
            Status = d.Status,
            PostingStatus = d.PostingStatus,
            TargetHiringDate = d.TargetHiringDate,
            Industry = d.Industry,
            Function = d.Function,
            TypeOfEmployment = d.TypeOfEmployment,
            ExperienceLevel = d.ExperienceLevel,
            EeoCategory = d.EeoCategory,
            Template = d.Template,
            Creator = d.Creator,
            Compensation = d.Compensation,
            JobAd = translation?.JobAd ?? d.JobAd,
            Properties = d.Properties,
            Language = translation?.Language ?? d.Language,
            Actions = Actions(job, baseUrl, withDetailLinks: true),
        };
    }

    public static JobSummary Summary(JobRecord job, IReadOnlyList<string> languages, string baseUrl)
    {
        var d = job.Details;
        var translation = Translation(job, languages);
        return new JobSummary
        {
            Id = d.Id,
            Title = translation?.Title ?? d.Title,
            RefNumber = d.RefNumber,
            CreatedOn = d.CreatedOn,
            UpdatedOn = d.UpdatedOn,
            LastActivityOn = d.LastActivityOn,
            Department = d.Department,
            Location = d.Location,
            Status = d.Status,
            PostingStatus = d.PostingStatus,
            Language = translation?.Language ?? d.Language,
            Actions = new JobActions { Details = new Link { Url = $"{baseUrl}/jobs/{d.Id}", Method = "GET" } },
        };
    }

    public static bool IsAcceptingCandidates(JobRecord job) => !JobStatuses.Closed.Contains(job.Details.Status ?? "");

    private static JobTranslation? Translation(JobRecord job, IReadOnlyList<string> languages)
    {
        foreach (var code in languages)
        {
            if (string.Equals(code, job.LanguageCode, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            // Read() gave every stored translation its language, so serving one changes nothing.
            if (job.Translations.TryGetValue(code, out var translation))
            {
                return translation;
            }
        }

        return null;
    }

    private static JobActions Actions(JobRecord job, string baseUrl, bool withDetailLinks)
    {
        var id = job.Id;
        var actions = new JobActions { Details = new Link { Url = $"{baseUrl}/jobs/{id}", Method = "GET" } };
        if (withDetailLinks)
        {
            actions.HiringTeam = new Link { Url = $"{baseUrl}/jobs/{id}/hiring-team", Method = "GET" };
            actions.Publications = new Link { Url = $"{baseUrl}/jobs/{id}/publications", Method = "GET" };
            actions.Positions = new Link { Url = $"{baseUrl}/jobs/{id}/positions", Method = "GET" };
            if (job.PostingIds.TryGetValue(job.LanguageCode, out var postingId))
            {
                actions.ApplyOnWeb = new Link { Url = $"https://jobs.smartrecruiters.com/{job.Company}/{postingId}", Method = "GET" };
            }
        }

        return actions;
    }

    /// <summary>
    /// PUBLIC jobs are published once per language, each with its own numeric posting id. A FILLED or CANCELLED job
    /// is taken off the career site even if its posting status still says PUBLIC, as it no longer takes applicants.
    /// </summary>
    private static void Publish(SandboxState state, JobRecord job, DateTimeOffset now)
    {
        if (job.Details.PostingStatus != "PUBLIC" || !IsAcceptingCandidates(job))
        {
            job.PostingIds.Clear();
            job.ReleasedOn = null;
            return;
        }

        job.ReleasedOn ??= job.Details.UpdatedOn ?? now;
        foreach (var language in job.Languages)
        {
            if (!job.PostingIds.ContainsKey(language))
            {
                job.PostingIds[language] = ++state.NextPostingId;
            }
        }

        foreach (var stale in job.PostingIds.Keys.Except(job.Languages, StringComparer.OrdinalIgnoreCase).ToList())
        {
            job.PostingIds.Remove(stale);
        }
    }

    private static (JobDetails? Details, Dictionary<string, JobTranslation> Translations, string? Error) Read(JsonObject body)
    {
        var translations = new Dictionary<string, JobTranslation>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var copy = body.DeepClone().AsObject();
            if (copy.Remove(TranslationsKey, out var node) && node is not null)
            {
                foreach (var (code, value) in node.Deserialize(SandboxJsonContext.Wire.DictionaryStringJobTranslation) ?? [])
                {
                    if (value is not null)
                    {
                        value.Language ??= Languages.Info(code);
                        translations[code] = value;
                    }
                }
            }

            var details = copy.Deserialize(SandboxJsonContext.Wire.JobDetails);
            return details is null ? (null, translations, "The job body must be a JSON object.") : (details, translations, null);
        }
        catch (JsonException e)
        {
            return (null, translations, $"The job body does not have SR's JobDetails shape: {e.Message}");
        }
    }

    private static string? Validate(JobDetails details)
    {
        if (string.IsNullOrWhiteSpace(details.Title))
        {
            return "title is required.";
        }

        if (!JobStatuses.All.Contains(details.Status ?? ""))
        {
            return $"status must be one of {string.Join(", ", JobStatuses.All)} (got '{details.Status}').";
        }

        return PostingStatuses.All.Contains(details.PostingStatus ?? "")
            ? null
            : $"postingStatus must be one of {string.Join(", ", PostingStatuses.All)} (got '{details.PostingStatus}').";
    }
}
