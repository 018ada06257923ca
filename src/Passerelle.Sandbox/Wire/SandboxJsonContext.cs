using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Passerelle.Sandbox.Wire;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(SrDateTimeConverter)])]
[JsonSerializable(typeof(JobDetails))]
[JsonSerializable(typeof(JobSummary))]
[JsonSerializable(typeof(JobPage))]
[JsonSerializable(typeof(JobTranslation))]
[JsonSerializable(typeof(Dictionary<string, JobTranslation>))]
[JsonSerializable(typeof(CandidateInput))]
[JsonSerializable(typeof(CandidateDetails))]
[JsonSerializable(typeof(Attachment))]
[JsonSerializable(typeof(CandidatePage))]
[JsonSerializable(typeof(SrErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenError))]
[JsonSerializable(typeof(EmptyObject))]
[JsonSerializable(typeof(PostingPage))]
[JsonSerializable(typeof(CompanyInput))]
[JsonSerializable(typeof(CompanyView))]
[JsonSerializable(typeof(List<CompanyView>))]
[JsonSerializable(typeof(CredentialInput))]
[JsonSerializable(typeof(CredentialView))]
[JsonSerializable(typeof(ScopesInput))]
[JsonSerializable(typeof(DemoView))]
[JsonSerializable(typeof(CandidateView))]
[JsonSerializable(typeof(List<CandidateView>))]
[JsonSerializable(typeof(StatsView))]
[JsonSerializable(typeof(List<StatsView>))]
[JsonSerializable(typeof(ResetResult))]
[JsonSerializable(typeof(SandboxSettings))]
[JsonSerializable(typeof(FaultSettings))]
[JsonSerializable(typeof(SeedFile))]
public sealed partial class SandboxJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every response uses: like <see cref="Default"/>, but writing accents and other non-ASCII text as
    /// UTF-8, as SR does, rather than as \u escapes. HTML-sensitive characters stay escaped.
    /// </summary>
    // Lazy: the generated Default lives in another part of this class, and static initialisers across parts run in
    // no guaranteed order.
    private static readonly Lazy<SandboxJsonContext> WireContext = new(CreateWire);

    public static SandboxJsonContext Wire => WireContext.Value;

    private static SandboxJsonContext CreateWire()
    {
        var options = new JsonSerializerOptions(Default.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
        };
        return new SandboxJsonContext(options);
    }
}

/// <summary>SR writes instants as ISO-8601 UTC with milliseconds: <c>2026-10-08T17:04:07.000Z</c>.</summary>
public sealed class SrDateTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : throw new JsonException($"'{text}' is not an ISO-8601 date-time.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}

/// <summary>A seed file: companies with their jobs, and credentials.</summary>
public sealed class SeedFile
{
    public List<SeedCompany> Companies { get; set; } = [];
    public List<CredentialInput> Credentials { get; set; } = [];
}

public sealed class SeedCompany
{
    public string? Identifier { get; set; }
    public string? Name { get; set; }
    public bool? ApiAccess { get; set; }
    public string? ApiKey { get; set; }
    public List<System.Text.Json.Nodes.JsonObject> Jobs { get; set; } = [];
}
