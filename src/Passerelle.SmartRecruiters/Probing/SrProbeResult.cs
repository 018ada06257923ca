namespace Passerelle.SmartRecruiters.Probing;

public enum SrTokenVerdict
{
    /// <summary>SR issued a token.</summary>
    Granted,

    /// <summary>invalid_client: wrong client id or secret, regenerated or revoked.</summary>
    CredentialsRejected,

    /// <summary>No verdict: SR unreachable, or an answer the probe could not read.</summary>
    Unknown,
}

public enum SrScopeVerdict
{
    Held,
    Missing,

    /// <summary>Not established (no token, SR unreachable, or the API feature is off).</summary>
    Unknown,
}

public enum SrApiAccessVerdict
{
    Enabled,

    /// <summary>"No access to feature: Customer API": the company's SR subscription lacks the API.</summary>
    Disabled,
    Unknown,
}

public enum SrCompanyVerdict
{
    /// <summary>Some PUBLIC job the credential sees is published under the identifier.</summary>
    Consistent,

    /// <summary>The credential sees PUBLIC jobs, none of which is published under the identifier: a typo, or two companies.</summary>
    Mismatch,

    /// <summary>Nothing to compare (no PUBLIC job, or jobs could not be read).</summary>
    Unverifiable,
}

/// <summary>How an extra scope was found.</summary>
public enum SrExtraScopeEvidence
{
    /// <summary>Listed in the token response's <c>scope</c> field.</summary>
    TokenScopeField,

    /// <summary>A read-only call that needs it succeeded.</summary>
    ReadProbe,
}

/// <summary>A scope the credential holds beyond what Passerelle needs, with the prompt SR shows next to it.</summary>
public sealed record SrExtraScope(string Scope, string Prompt, SrExtraScopeEvidence Evidence);

/// <summary>What a side-effect-free probe of a credential found.</summary>
public sealed record SrProbeResult
{
    public required SrTokenVerdict Token { get; init; }

    /// <summary>The scopes the token response listed, when SR sends that field.</summary>
    public IReadOnlyList<string>? GrantedScopes { get; init; }

    /// <summary>Each scope Passerelle needs (<c>jobs_read</c>, <c>candidates_create</c>) and whether it is held.</summary>
    public required IReadOnlyDictionary<string, SrScopeVerdict> RequiredScopes { get; init; }

    public required IReadOnlyList<SrExtraScope> ExtraScopes { get; init; }

    public required SrApiAccessVerdict ApiAccess { get; init; }

    public required SrCompanyVerdict Company { get; init; }

    /// <summary>PUBLIC jobs compared, and how many of their references the identifier publishes.</summary>
    public int PublicJobsCompared { get; init; }

    public int PublicJobsFoundInPostings { get; init; }

    /// <summary>Sentences on anything the probe could not establish (SR unreachable, unexpected answers), ids only.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>True when the credential cannot do Passerelle's work as it stands.</summary>
    public bool IsBlocking =>
        Token != SrTokenVerdict.Granted
        || ApiAccess == SrApiAccessVerdict.Disabled
        || RequiredScopes.Values.Any(v => v == SrScopeVerdict.Missing)
        || Company == SrCompanyVerdict.Mismatch;
}

/// <summary>The scopes SR offers on its credential screen, with their prompts (smartrecruiters-api.md §2).</summary>
public static class SrScopes
{
    public const string JobsRead = "jobs_read";
    public const string CandidatesCreate = "candidates_create";
    public const string CandidatesRead = "candidates_read";

    public static readonly IReadOnlyList<string> Required = [JobsRead, CandidatesCreate];

    public static readonly IReadOnlyDictionary<string, string> Prompts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["candidates_read"] = "Access Candidates",
        ["candidates_create"] = "Create Candidates",
        ["candidates_offers_read"] = "Access Offer Terms",
        ["candidates_manage"] = "Manage Candidate Status and Properties",
        ["candidate_status_read"] = "Access Candidate's status",
        ["candidates_status_read"] = "Access Candidate's status",
        ["job_applications_read"] = "Access job applications",
        ["configuration_read"] = "Access Company Settings",
        ["configuration_manage"] = "Manage Company Settings",
        ["jobs_read"] = "Access Jobs",
    };

    public static string PromptFor(string scope) => Prompts.TryGetValue(scope, out var prompt) ? prompt : scope;
}
