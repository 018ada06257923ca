namespace Passerelle.Sandbox.Wire;

// Shapes of the sandbox's own control and inspection API (under /_sandbox/). Not SmartRecruiters'.

public sealed class CompanyInput
{
    public string? Identifier { get; set; }
    public string? Name { get; set; }
    public bool? ApiAccess { get; set; }
}

public sealed class CompanyView
{
    public required string Identifier { get; init; }
    public required string Name { get; init; }
    public bool ApiAccess { get; init; }
    public required string ApiKey { get; init; }
    public int Jobs { get; init; }
    public int Candidates { get; init; }
}

public sealed class CredentialInput
{
    public string? Company { get; set; }
    public List<string>? Scopes { get; set; }
    public string? SystemRole { get; set; }
    public string? Name { get; set; }
    /// <summary>Optional fixed values, for seed files and reproducible demos.</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Optional: every access token issued to this credential starts with this text, then SR-like random characters,
    /// so a test can find the credential's tokens wherever they turn up (a leak sweep). Tokens stay unique and opaque.
    /// </summary>
    public string? TokenPrefix { get; set; }
}

public sealed class CredentialView
{
    public required string ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public required string Company { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
    public required string SystemRole { get; init; }
    public string? Name { get; init; }
    public string? TokenPrefix { get; init; }
}

public sealed class ScopesInput
{
    public List<string>? Scopes { get; set; }
}

public sealed class DemoCredential
{
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
}

public sealed class DemoView
{
    public required string Identifier { get; init; }
    public required string Name { get; init; }
    public required DemoCredential Credential { get; init; }
    public required string ApiKey { get; init; }
    public required string BaseUrl { get; init; }
}

public sealed class AttachmentView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string ContentType { get; init; }
    public long Size { get; init; }
    public required string Sha256 { get; init; }
    public DateTimeOffset CreatedOn { get; init; }
    public string? JobId { get; init; }
}

public sealed class CandidateView
{
    public required string Id { get; init; }
    public required string Company { get; init; }
    public string? JobId { get; init; }
    public string? JobTitle { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? PhoneNumber { get; init; }
    public required string CreatedVia { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset CreatedOn { get; init; }
    public string? Status { get; init; }
    public SourceDetails? Source { get; init; }
    public bool Internal { get; init; }
    public List<string>? Tags { get; init; }
    public required IReadOnlyList<AttachmentView> Attachments { get; init; }
}

public sealed class EndpointStatsView
{
    public long Requests { get; init; }
    public long Throttled { get; init; }
    public int PeakConcurrency { get; init; }
    public required IReadOnlyDictionary<string, long> Statuses { get; init; }
}

public sealed class StatsView
{
    public required string ClientId { get; init; }
    public long Requests { get; init; }
    public long Throttled { get; init; }
    public long TokenRequests { get; init; }
    public int PeakConcurrency { get; init; }
    public int PeakRequestsPerSecond { get; init; }
    public int InFlight { get; init; }
    public required IReadOnlyDictionary<string, EndpointStatsView> Endpoints { get; init; }
}

public sealed class ResetResult
{
    public required string Seed { get; init; }
    public int Companies { get; init; }
    public int Jobs { get; init; }
    public int Credentials { get; init; }
}
