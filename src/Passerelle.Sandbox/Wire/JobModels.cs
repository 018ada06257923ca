namespace Passerelle.Sandbox.Wire;

// SmartRecruiters' wire shapes, as the sandbox serves them. Deliberately separate from the client's models
// (the sandbox never references the client) so a mismatch between the two shows up in tests.

public sealed class IdLabel
{
    public string? Id { get; set; }
    public string? Label { get; set; }
}

public sealed class Department
{
    public string? Id { get; set; }
    public string? Label { get; set; }
    public string? Description { get; set; }
}

public sealed class JobLocation
{
    public string? Country { get; set; }
    public string? CountryCode { get; set; }
    public string? RegionCode { get; set; }
    public string? Region { get; set; }
    public string? City { get; set; }
    public string? Address { get; set; }
    public string? PostalCode { get; set; }
    public double? Longitude { get; set; }
    public double? Latitude { get; set; }
    public bool? Manual { get; set; }
    public bool? Remote { get; set; }
}

public sealed class LanguageInfo
{
    public string? Code { get; set; }
    public string? Label { get; set; }
    public string? LabelNative { get; set; }
}

public sealed class Link
{
    public string? Url { get; set; }
    public string? Method { get; set; }
}

public sealed class JobActions
{
    public Link? HiringTeam { get; set; }
    public Link? Publications { get; set; }
    public Link? Positions { get; set; }
    public Link? ApplyOnWeb { get; set; }
    public Link? Details { get; set; }
}

public sealed class Creator
{
    public string? Id { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
}

public sealed class Compensation
{
    public decimal? Min { get; set; }
    public decimal? Max { get; set; }
    public string? Currency { get; set; }
}

public sealed class AdSection
{
    public string? Title { get; set; }
    public string? Text { get; set; }
}

public sealed class AdSections
{
    public AdSection? CompanyDescription { get; set; }
    public AdSection? JobDescription { get; set; }
    public AdSection? Qualifications { get; set; }
    public AdSection? AdditionalInformation { get; set; }
}

public sealed class AdVideos
{
    public List<string>? Urls { get; set; }
}

public sealed class JobAd
{
    public AdSections? Sections { get; set; }
    public AdVideos? Videos { get; set; }
    public LanguageInfo? Language { get; set; }
}

public sealed class JobProperty
{
    public string? Id { get; set; }
    public string? Label { get; set; }
    public IdLabel? Value { get; set; }
}

/// <summary>The summary SR returns in job listings.</summary>
public sealed class JobSummary
{
    public string? Id { get; set; }
    public string? Title { get; set; }
    public string? RefNumber { get; set; }
    public DateTimeOffset? CreatedOn { get; set; }
    public DateTimeOffset? UpdatedOn { get; set; }
    public DateTimeOffset? LastActivityOn { get; set; }
    public Department? Department { get; set; }
    public JobLocation? Location { get; set; }
    public string? Status { get; set; }
    public string? PostingStatus { get; set; }
    public LanguageInfo? Language { get; set; }
    public JobActions? Actions { get; set; }
}

/// <summary>The full job SR returns from <c>GET /jobs/{id}</c>.</summary>
public sealed class JobDetails
{
    public string? Id { get; set; }
    public string? Title { get; set; }
    public string? RefNumber { get; set; }
    public DateTimeOffset? CreatedOn { get; set; }
    public DateTimeOffset? UpdatedOn { get; set; }
    public DateTimeOffset? LastActivityOn { get; set; }
    public Department? Department { get; set; }
    public JobLocation? Location { get; set; }
    public string? Status { get; set; }
    public string? PostingStatus { get; set; }
    public string? TargetHiringDate { get; set; }
    public IdLabel? Industry { get; set; }
    public IdLabel? Function { get; set; }
    public IdLabel? TypeOfEmployment { get; set; }
    public IdLabel? ExperienceLevel { get; set; }
    public IdLabel? EeoCategory { get; set; }
    public bool? Template { get; set; }
    public Creator? Creator { get; set; }
    public Compensation? Compensation { get; set; }
    public JobAd? JobAd { get; set; }
    public List<JobProperty>? Properties { get; set; }
    public LanguageInfo? Language { get; set; }
    public JobActions? Actions { get; set; }
}

public sealed class JobPage
{
    public int Limit { get; set; }
    public int Offset { get; set; }
    public int TotalFound { get; set; }
    public string? NextPageId { get; set; }
    public List<JobSummary> Content { get; set; } = [];
}

/// <summary>A translation of a job ad into another language (sandbox control API only).</summary>
public sealed class JobTranslation
{
    public string? Title { get; set; }
    public JobAd? JobAd { get; set; }
    public LanguageInfo? Language { get; set; }
}
