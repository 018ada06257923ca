using System.Security.Cryptography;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.State;

/// <summary>
/// Everything the simulated SmartRecruiters holds, in memory. One lock guards it all: the sandbox favours obvious
/// correctness over throughput, and its request rate is capped at a few hundred per second by the rate limits anyway.
/// </summary>
public sealed class SandboxState(TimeProvider time)
{
    private SandboxSettings _settings = new();

    public Lock Gate { get; } = new();

    public TimeProvider Time { get; } = time;

    /// <summary>The live settings; replaced as a whole so readers never see half an update.</summary>
    public SandboxSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set => Volatile.Write(ref _settings, value);
    }

    internal Dictionary<string, Company> Companies { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, Credential> Credentials { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, TokenRecord> Tokens { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, JobRecord> Jobs { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, CandidateRecord> Candidates { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal string? DemoCompany { get; set; }
    internal string? DemoClientId { get; set; }
    internal long NextSequence { get; set; }
    internal long NextPostingId { get; set; } = 743_999_000_000;
    internal int TokensIssuedSinceSweep { get; set; }

    /// <summary>Now, truncated to SR's millisecond precision so that stored and compared instants agree.</summary>
    public DateTimeOffset Now()
    {
        var now = Time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    internal void Clear()
    {
        Companies.Clear();
        Credentials.Clear();
        Tokens.Clear();
        Jobs.Clear();
        Candidates.Clear();
        DemoCompany = null;
        DemoClientId = null;
        NextSequence = 0;
    }

    public static string RandomToken(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed class Company
{
    public required string Identifier { get; init; }
    public required string Name { get; set; }
    public bool ApiAccess { get; set; } = true;
    public required string ApiKey { get; init; }
}

internal sealed class Credential
{
    public required string ClientId { get; init; }
    public required string Secret { get; set; }
    public required string Company { get; init; }
    public required HashSet<string> Scopes { get; set; }
    public required string SystemRole { get; init; }
    public string? Name { get; init; }

    /// <summary>What every token issued to this credential starts with (none by default).</summary>
    public string? TokenPrefix { get; init; }

    public FaultSettings Faults { get; set; } = new();
    public Queue<string> Script { get; set; } = new();
}

internal sealed record TokenRecord(string ClientId, DateTimeOffset ExpiresAt);

internal sealed class JobRecord
{
    public required string Company { get; init; }
    public required long Sequence { get; init; }
    public required JobDetails Details { get; set; }
    public Dictionary<string, JobTranslation> Translations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Numeric posting id per language, kept stable while the job stays published.</summary>
    public Dictionary<string, long> PostingIds { get; } = new(StringComparer.OrdinalIgnoreCase);

    public DateTimeOffset? ReleasedOn { get; set; }

    public string Id => Details.Id!;
    public string LanguageCode => Details.Language?.Code ?? "en";

    public IEnumerable<string> Languages => new[] { LanguageCode }.Concat(Translations.Keys).Distinct(StringComparer.OrdinalIgnoreCase);
}

internal sealed class CandidateRecord
{
    public required string Company { get; init; }
    public required CandidateDetails Details { get; init; }
    public string? JobId { get; init; }
    public required string CreatedVia { get; init; }
    public required string CreatedBy { get; init; }
    public SourceDetails? Source { get; init; }
    public List<AttachmentRecord> Attachments { get; } = [];
    public string Id => Details.Id!;
}

internal sealed class AttachmentRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string ContentType { get; init; }
    public long Size { get; init; }
    public required string Sha256 { get; init; }
    public DateTimeOffset CreatedOn { get; init; }
    public string? JobId { get; init; }
    public byte[]? Content { get; init; }
}

/// <summary>The scopes SR offers on its credential screen, with the prompt shown next to each.</summary>
public static class SrScopes
{
    public const string JobsRead = "jobs_read";
    public const string CandidatesCreate = "candidates_create";
    public const string CandidatesRead = "candidates_read";

    public static readonly IReadOnlyDictionary<string, string> Prompts = new Dictionary<string, string>
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
}
