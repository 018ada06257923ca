using System.Text.Json.Serialization;

namespace Passerelle.SmartRecruiters.Wire;

public sealed record CandidateLocation(string? Country, string? CountryCode, string? RegionCode, string? Region, string? City, double? Lat, double? Lng);

public sealed record CandidateWeb(string? Skype, string? Linkedin, string? Facebook, string? Twitter, string? Website);

public sealed record CandidateEducation(
    string? Institution, string? Degree, string? Major, bool? Current, string? Location, string? StartDate, string? EndDate, string? Description);

public sealed record CandidateExperience(
    string? Title, string? Company, bool? Current, string? StartDate, string? EndDate, string? Location, string? Description);

public sealed record SourceDetails(string SourceTypeId, string? SourceSubTypeId, string? SourceId);

/// <summary>SR's <c>CandidateInput</c>: first name, last name and e-mail are required.</summary>
public sealed record CandidateInput
{
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }
    public string? PhoneNumber { get; init; }
    public CandidateLocation? Location { get; init; }
    public CandidateWeb? Web { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<CandidateEducation>? Education { get; init; }
    public IReadOnlyList<CandidateExperience>? Experience { get; init; }
    public SourceDetails? SourceDetails { get; init; }
    public bool? Internal { get; init; }

    // Personal data: never printed.
    public override string ToString() => "CandidateInput(***)";
}

public sealed record AssignmentJob(string? Id, string? Title);

public sealed record Assignment(AssignmentJob? Job, string? Status, string? SubStatus);

/// <summary>The part of SR's <c>CandidateDetails</c> Passerelle needs: ids and assignment, no personal data kept.</summary>
public sealed record CandidateDetails
{
    public required string Id { get; init; }
    public DateTimeOffset? CreatedOn { get; init; }
    public Assignment? PrimaryAssignment { get; init; }
}

public enum SrAttachmentType
{
    GenericFile,
    Resume,
    CoverLetter,
}

public sealed record SrAttachment
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public string? Type { get; init; }
    public string? ContentType { get; init; }
}

/// <summary>Source fields of the resume endpoints (multipart form fields).</summary>
public sealed record ResumeSource(string? SourceTypeId, string? SourceSubTypeId, string? SourceId, bool? Internal);

internal sealed record SrErrorBody(string? Message, IReadOnlyList<SrErrorItem>? Errors);

internal sealed record SrErrorItem(string? Code, string? Message);

internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn,
    [property: JsonPropertyName("scope")] string? Scope)
{
    // The generated ToString would print the token.
    public override string ToString() => $"TokenResponse(***, expires_in {ExpiresIn})";
}

internal sealed record TokenErrorBody(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);
