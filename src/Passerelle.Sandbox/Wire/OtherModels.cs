namespace Passerelle.Sandbox.Wire;

/// <summary>SR's error body: <c>{"message":"...","errors":[{"code":"...","message":"..."}]}</c>.</summary>
public sealed class SrErrorBody
{
    public string? Message { get; set; }
    public List<SrErrorItem> Errors { get; set; } = [];
}

public sealed class SrErrorItem
{
    public string? Code { get; set; }
    public string? Message { get; set; }
}

/// <summary>RFC 6749 token response. Snake case on the wire, so every name is explicit.</summary>
public sealed class TokenResponse
{
    [System.Text.Json.Serialization.JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("scope")]
    public string? Scope { get; set; }
}

/// <summary>RFC 6749 error response.</summary>
public sealed class TokenError
{
    [System.Text.Json.Serialization.JsonPropertyName("error")]
    public string? Error { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("error_description")]
    public string? ErrorDescription { get; set; }
}

public sealed class EmptyObject;

public sealed class PostingCompany
{
    public string? Identifier { get; set; }
    public string? Name { get; set; }
}

public sealed class PostingLocation
{
    public string? City { get; set; }
    public string? Region { get; set; }
    public string? Country { get; set; }
    public string? Address { get; set; }
    public string? PostalCode { get; set; }
    public bool? Remote { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
}

public sealed class PostingCustomField
{
    public string? FieldId { get; set; }
    public string? FieldLabel { get; set; }
    public string? ValueId { get; set; }
    public string? ValueLabel { get; set; }
}

public sealed class Posting
{
    public string? Id { get; set; }
    public string? Uuid { get; set; }
    public string? Name { get; set; }
    public string? RefNumber { get; set; }
    public PostingCompany? Company { get; set; }
    public DateTimeOffset? ReleasedDate { get; set; }
    public PostingLocation? Location { get; set; }
    public IdLabel? Industry { get; set; }
    public IdLabel? Department { get; set; }
    public IdLabel? Function { get; set; }
    public IdLabel? TypeOfEmployment { get; set; }
    public IdLabel? ExperienceLevel { get; set; }
    public List<PostingCustomField> CustomField { get; set; } = [];
    public LanguageInfo? Language { get; set; }
    public string? Ref { get; set; }
}

public sealed class PostingPage
{
    public int Offset { get; set; }
    public int Limit { get; set; }
    public int TotalFound { get; set; }
    public List<Posting> Content { get; set; } = [];
}
