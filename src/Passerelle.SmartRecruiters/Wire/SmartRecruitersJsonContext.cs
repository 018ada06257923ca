using System.Text.Json.Serialization;

namespace Passerelle.SmartRecruiters.Wire;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobPage))]
[JsonSerializable(typeof(JobDetails))]
[JsonSerializable(typeof(PostingPage))]
[JsonSerializable(typeof(CandidateInput))]
[JsonSerializable(typeof(CandidateDetails))]
[JsonSerializable(typeof(SrAttachment))]
[JsonSerializable(typeof(SrErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenErrorBody))]
internal sealed partial class SmartRecruitersJsonContext : JsonSerializerContext;
