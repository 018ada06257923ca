using System.Text.Json.Serialization;

namespace Passerelle.SmartRecruiters.Wire;

// SR's job shapes as the client reads them. Unknown fields are ignored; the raw JSON of each job is kept so that
// nothing SR sends is lost to a model that does not know it yet.

public sealed record SrIdLabel(string? Id, string? Label);

public sealed record SrDepartment(string? Id, string? Label, string? Description);

public sealed record SrLocation(
    string? Country, string? CountryCode, string? RegionCode, string? Region, string? City, string? Address,
    string? PostalCode, double? Longitude, double? Latitude, bool? Manual, bool? Remote);

public sealed record SrLanguage(string? Code, string? Label, string? LabelNative);

public sealed record SrLink(string? Url, string? Method);

public sealed record SrJobActions(SrLink? Details, SrLink? ApplyOnWeb, SrLink? HiringTeam, SrLink? Publications, SrLink? Positions);

public sealed record SrCreator(string? Id, string? FirstName, string? LastName);

public sealed record SrCompensation(decimal? Min, decimal? Max, string? Currency);

public sealed record SrAdSection(string? Title, string? Text);

public sealed record SrAdSections(SrAdSection? CompanyDescription, SrAdSection? JobDescription, SrAdSection? Qualifications, SrAdSection? AdditionalInformation);

public sealed record SrAdVideos(IReadOnlyList<string>? Urls);

public sealed record SrJobAd(SrAdSections? Sections, SrAdVideos? Videos, SrLanguage? Language);

public sealed record SrJobProperty(string? Id, string? Label, SrIdLabel? Value);

public sealed record JobSummary
{
    public required string Id { get; init; }
    public string? Title { get; init; }
    public string? RefNumber { get; init; }
    public DateTimeOffset? CreatedOn { get; init; }
    public DateTimeOffset? UpdatedOn { get; init; }
    public DateTimeOffset? LastActivityOn { get; init; }
    public SrDepartment? Department { get; init; }
    public SrLocation? Location { get; init; }
    public string? Status { get; init; }
    public string? PostingStatus { get; init; }
    public SrLanguage? Language { get; init; }
}

public sealed record JobDetails
{
    public required string Id { get; init; }
    public string? Title { get; init; }
    public string? RefNumber { get; init; }
    public DateTimeOffset? CreatedOn { get; init; }
    public DateTimeOffset? UpdatedOn { get; init; }
    public DateTimeOffset? LastActivityOn { get; init; }
    public SrDepartment? Department { get; init; }
    public SrLocation? Location { get; init; }
    public string? Status { get; init; }
    public string? PostingStatus { get; init; }
    public string? TargetHiringDate { get; init; }
    public SrIdLabel? Industry { get; init; }
    public SrIdLabel? Function { get; init; }
    public SrIdLabel? TypeOfEmployment { get; init; }
    public SrIdLabel? ExperienceLevel { get; init; }
    public SrIdLabel? EeoCategory { get; init; }
    public bool? Template { get; init; }
    public SrCreator? Creator { get; init; }
    public SrCompensation? Compensation { get; init; }
    public SrJobAd? JobAd { get; init; }
    public IReadOnlyList<SrJobProperty>? Properties { get; init; }
    public SrLanguage? Language { get; init; }
    public SrJobActions? Actions { get; init; }

    /// <summary>The job exactly as SR sent it.</summary>
    [JsonIgnore]
    public string RawJson { get; internal set; } = "";
}

internal sealed record JobPage(int Limit, int Offset, int TotalFound, string? NextPageId, IReadOnlyList<JobSummary>? Content);

/// <summary>What to list. Every filter is optional.</summary>
public sealed record JobQuery
{
    public DateTimeOffset? UpdatedAfter { get; init; }
    public DateTimeOffset? LastActivityAfter { get; init; }
    public string? Status { get; init; }
    public string? PostingStatus { get; init; }

    /// <summary>The job-ad language wanted (sent as <c>Accept-Language</c>).</summary>
    public string? AcceptLanguage { get; init; }

    public string? Text { get; init; }

    /// <summary>Page size; the client's <see cref="SmartRecruitersOptions.PageSize"/> when unset.</summary>
    public int? Limit { get; init; }
}

public sealed record PostingCompany(string? Identifier, string? Name);

public sealed record Posting
{
    public required string Id { get; init; }
    public string? Uuid { get; init; }
    public string? Name { get; init; }
    public string? RefNumber { get; init; }
    public PostingCompany? Company { get; init; }
    public DateTimeOffset? ReleasedDate { get; init; }
    public SrLanguage? Language { get; init; }
    public string? Ref { get; init; }
}

internal sealed record PostingPage(int Offset, int Limit, int TotalFound, IReadOnlyList<Posting>? Content);
