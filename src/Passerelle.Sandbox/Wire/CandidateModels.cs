namespace Passerelle.Sandbox.Wire;

public sealed class CandidateLocation
{
    public string? Country { get; set; }
    public string? CountryCode { get; set; }
    public string? RegionCode { get; set; }
    public string? Region { get; set; }
    public string? City { get; set; }
    public double? Lat { get; set; }
    public double? Lng { get; set; }
}

public sealed class CandidateWeb
{
    public string? Skype { get; set; }
    public string? Linkedin { get; set; }
    public string? Facebook { get; set; }
    public string? Twitter { get; set; }
    public string? Website { get; set; }
}

public sealed class Education
{
    public string? Institution { get; set; }
    public string? Degree { get; set; }
    public string? Major { get; set; }
    public bool? Current { get; set; }
    public string? Location { get; set; }
    public string? StartDate { get; set; }
    public string? EndDate { get; set; }
    public string? Description { get; set; }
}

public sealed class Experience
{
    public string? Title { get; set; }
    public string? Company { get; set; }
    public bool? Current { get; set; }
    public string? StartDate { get; set; }
    public string? EndDate { get; set; }
    public string? Location { get; set; }
    public string? Description { get; set; }
}

public sealed class SourceDetails
{
    public string? SourceTypeId { get; set; }
    public string? SourceSubTypeId { get; set; }
    public string? SourceId { get; set; }
}

public sealed class CandidateInput
{
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? PhoneNumber { get; set; }
    public CandidateLocation? Location { get; set; }
    public CandidateWeb? Web { get; set; }
    public List<string>? Tags { get; set; }
    public List<Education>? Education { get; set; }
    public List<Experience>? Experience { get; set; }
    public SourceDetails? SourceDetails { get; set; }
    public bool? Internal { get; set; }
}

public sealed class AssignmentJob
{
    public string? Id { get; set; }
    public string? Title { get; set; }
}

public sealed class Assignment
{
    public AssignmentJob? Job { get; set; }
    public string? Status { get; set; }
    public string? SubStatus { get; set; }
    public SourceDetails? Source { get; set; }
}

public sealed class CandidateActions
{
    public Link? Details { get; set; }
    public Link? Attachments { get; set; }
}

public sealed class CandidateDetails
{
    public string? Id { get; set; }
    public bool Internal { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? PhoneNumber { get; set; }
    public CandidateLocation? Location { get; set; }
    public CandidateWeb? Web { get; set; }
    public List<string>? Tags { get; set; }
    public List<Education>? Education { get; set; }
    public List<Experience>? Experience { get; set; }
    public DateTimeOffset? CreatedOn { get; set; }
    public DateTimeOffset? UpdatedOn { get; set; }
    public Assignment? PrimaryAssignment { get; set; }
    public List<Assignment> SecondaryAssignments { get; set; } = [];
    public CandidateActions? Actions { get; set; }
}

public sealed class AttachmentActions
{
    public Link? Download { get; set; }
}

public sealed class Attachment
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? ContentType { get; set; }
    public AttachmentActions? Actions { get; set; }
}

public sealed class CandidatePage
{
    public int Offset { get; set; }
    public int Limit { get; set; }
    public int TotalFound { get; set; }
    public List<CandidateDetails> Content { get; set; } = [];
}
