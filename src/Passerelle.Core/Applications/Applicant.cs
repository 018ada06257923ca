using System.Net.Mail;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;

namespace Passerelle.Core.Applications;

public sealed record ApplicantLocation(string? Country, string? CountryCode, string? Region, string? RegionCode, string? City);

public sealed record ApplicantWeb(string? Linkedin, string? Website, string? Twitter, string? Facebook, string? Skype);

public sealed record ApplicantEducation(
    string? Institution, string? Degree, string? Major, bool? Current, string? StartDate, string? EndDate, string? Location, string? Description);

public sealed record ApplicantExperience(
    string? Title, string? Company, bool? Current, string? StartDate, string? EndDate, string? Location, string? Description);

/// <summary>The applicant's consent to the processing of their data, as they gave it on the board or career site.</summary>
public sealed record ApplicantConsent(bool Given, string? Text, string? Version);

/// <summary>
/// An applicant as Hippolyte-rh sends it (the <c>applicant</c> part of the intake). Personal data: stored only
/// encrypted (<see cref="ApplicantProtector"/>), never logged or printed.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ApplicantInput
{
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? PhoneNumber { get; init; }
    public ApplicantLocation? Location { get; init; }
    public ApplicantWeb? Web { get; init; }
    public IReadOnlyList<ApplicantEducation>? Education { get; init; }
    public IReadOnlyList<ApplicantExperience>? Experience { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public ApplicantConsent? Consent { get; init; }

    /// <summary>The job board or channel the application came from (e.g. <c>indeed</c>, <c>career-site</c>).</summary>
    public string? Channel { get; init; }

    /// <summary>The board's own id of this application; serves as the idempotency key when no header is sent.</summary>
    public string? ExternalId { get; init; }

    public override string ToString() => "ApplicantInput(***)";
}

/// <summary>Field rules of the intake; each problem is reported against its JSON path, never with the value.</summary>
public static class ApplicantRules
{
    public const int MaxNameLength = 100;
    public const int MaxEmailLength = 254;
    public const int MaxPhoneLength = 50;
    public const int MaxShortText = 200;
    public const int MaxDescription = 4_000;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;
    public const int MaxHistoryItems = 30;
    public const int MaxConsentText = 4_000;

    public static Dictionary<string, string[]> Validate(ApplicantInput applicant)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        Required("firstName", applicant.FirstName, MaxNameLength);
        Required("lastName", applicant.LastName, MaxNameLength);
        Required("email", applicant.Email, MaxEmailLength);
        if (!string.IsNullOrWhiteSpace(applicant.Email) && !IsEmail(applicant.Email))
        {
            Add("email", "Must be an e-mail address such as name@example.fr.");
        }

        Optional("phoneNumber", applicant.PhoneNumber, MaxPhoneLength);
        if (applicant.PhoneNumber is { Length: > 0 } phone && !phone.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '.' or '(' or ')' or '/'))
        {
            Add("phoneNumber", "Only digits, spaces and + - . ( ) / are allowed.");
        }

        if (applicant.Location is { } location)
        {
            Optional("location.country", location.Country, MaxShortText);
            Optional("location.region", location.Region, MaxShortText);
            Optional("location.regionCode", location.RegionCode, 10);
            Optional("location.city", location.City, MaxShortText);
            if (location.CountryCode is { } code && (code.Length != 2 || !code.All(char.IsAsciiLetter)))
            {
                Add("location.countryCode", "Must be a two-letter ISO 3166 code such as FR.");
            }
        }

        if (applicant.Web is { } web)
        {
            Url("web.linkedin", web.Linkedin);
            Url("web.website", web.Website);
            Url("web.twitter", web.Twitter);
            Url("web.facebook", web.Facebook);
            Optional("web.skype", web.Skype, MaxShortText);
        }

        History("education", applicant.Education, (e, path) =>
        {
            Optional(path + ".institution", e.Institution, MaxShortText);
            Optional(path + ".degree", e.Degree, MaxShortText);
            Optional(path + ".major", e.Major, MaxShortText);
            Optional(path + ".location", e.Location, MaxShortText);
            Optional(path + ".description", e.Description, MaxDescription);
            Date(path + ".startDate", e.StartDate);
            Date(path + ".endDate", e.EndDate);
        });
        History("experience", applicant.Experience, (e, path) =>
        {
            Optional(path + ".title", e.Title, MaxShortText);
            Optional(path + ".company", e.Company, MaxShortText);
            Optional(path + ".location", e.Location, MaxShortText);
            Optional(path + ".description", e.Description, MaxDescription);
            Date(path + ".startDate", e.StartDate);
            Date(path + ".endDate", e.EndDate);
        });

        if (applicant.Tags is { } tags)
        {
            if (tags.Count > MaxTags)
            {
                Add("tags", $"At most {MaxTags} tags.");
            }

            for (var i = 0; i < tags.Count; i++)
            {
                Required($"tags[{i}]", tags[i], MaxTagLength);
            }
        }

        if (applicant.Consent is not { Given: true })
        {
            Add("consent.given", "The applicant's consent is required: send consent.given = true with the text they agreed to.");
        }
        else
        {
            Required("consent.text", applicant.Consent.Text, MaxConsentText);
            Optional("consent.version", applicant.Consent.Version, MaxTagLength);
        }

        Optional("channel", applicant.Channel, MaxTagLength);
        Optional("externalId", applicant.ExternalId, MaxShortText);
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

        void Required(string field, string? value, int max)
        {
            if (string.IsNullOrWhiteSpace(value) || value.All(IsInvisible))
            {
                Add(field, "Required.");
                return;
            }

            Optional(field, value, max);
        }

        void Optional(string field, string? value, int max)
        {
            if (value is null)
            {
                return;
            }

            if (value.Length > max)
            {
                Add(field, $"At most {max} characters.");
            }

            if (!IsCleanText(value, allowLineBreaks: max >= MaxDescription))
            {
                Add(field, "Contains control characters, direction overrides or invalid Unicode: send plain text.");
            }
        }

        void Url(string field, string? value)
        {
            Optional(field, value, 500);
            if (value is { Length: > 0 } && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                Add(field, "Must be an absolute http(s) address.");
            }
        }

        void Date(string field, string? value)
        {
            if (value is { Length: > 0 } && !DateOnly.TryParseExact(value, ["yyyy-MM-dd", "yyyy-MM"], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.None, out _))
            {
                Add(field, "Must be a date as yyyy-MM-dd or yyyy-MM.");
            }
        }

        void History<T>(string field, IReadOnlyList<T>? items, Action<T, string> check)
        {
            if (items is null)
            {
                return;
            }

            if (items.Count > MaxHistoryItems)
            {
                Add(field, $"At most {MaxHistoryItems} entries.");
                return;
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is null)
                {
                    Add($"{field}[{i}]", "Must be an object.");
                    continue;
                }

                check(items[i], $"{field}[{i}]");
            }
        }
    }

    /// <summary>
    /// A practical address check: one @, a local part and a dotted domain without spaces, as SR and mail servers
    /// accept. Internationalised domains are allowed (they are real); quoted local parts and IP literals are not.
    /// </summary>
    public static bool IsEmail(string value)
    {
        if (value.Length > MaxEmailLength || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || value.Count(c => c == '@') != 1)
        {
            return false;
        }

        var at = value.IndexOf('@');
        var local = value[..at];
        var domain = value[(at + 1)..];
        if (local.Length is 0 or > 64 || domain.Length < 3 || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal)
            || local.Contains('"') || !IsCleanText(value, allowLineBreaks: false))
        {
            return false;
        }

        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63 || l.StartsWith('-') || l.EndsWith('-') || !l.All(c => char.IsLetterOrDigit(c) || c == '-')))
        {
            return false;
        }

        return MailAddress.TryCreate(value, out var parsed) && parsed.Address == value;
    }

    /// <summary>No control characters (line breaks only where allowed), no bidi overrides, no lone surrogates.</summary>
    public static bool IsCleanText(string value, bool allowLineBreaks)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
                continue;
            }

            if (char.IsLowSurrogate(c) || IsBidiControl(c))
            {
                return false;
            }

            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';

    private static bool IsInvisible(char c) => char.IsWhiteSpace(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF';
}

/// <summary>Encrypts applicants (and their file names) at rest with the key ring, like client secrets.</summary>
public sealed class ApplicantProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _applicants = provider.CreateProtector("Passerelle.Applications.Applicant.v1");
    private readonly IDataProtector _names = provider.CreateProtector("Passerelle.Applications.FileName.v1");

    public string Protect(ApplicantInput applicant) =>
        _applicants.Protect(JsonSerializer.Serialize(applicant, ApplicationJsonContext.Default.ApplicantInput));

    public ApplicantInput Unprotect(string protectedApplicant) =>
        JsonSerializer.Deserialize(_applicants.Unprotect(protectedApplicant), ApplicationJsonContext.Default.ApplicantInput)
        ?? throw new JsonException("Empty applicant.");

    public string ProtectFileName(string name) => _names.Protect(name);

    public string UnprotectFileName(string protectedName) => _names.Unprotect(protectedName);

    /// <summary>A fingerprint of the applicant's content, for idempotency (a hash, never stored with the data).</summary>
    public static byte[] Canonical(ApplicantInput applicant) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(applicant, ApplicationJsonContext.Default.ApplicantInput));
}

// Unknown members are refused at every level (a typo in a nested field must not silently lose data).
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 16, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ApplicantInput))]
public sealed partial class ApplicationJsonContext : JsonSerializerContext;
