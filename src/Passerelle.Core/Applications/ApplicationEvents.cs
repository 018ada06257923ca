using System.Text.Json.Serialization;

namespace Passerelle.Core.Applications;

/// <summary>An application event for Hippolyte-rh: ids, state and reason, never the applicant's data.</summary>
public sealed record ApplicationEventPayload(
    Guid ConnectionId, Guid ApplicationId, string? JobId, string? ExternalId, string State, string? SrCandidateId, string? Code, string? Reason, string? Remedy);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ApplicationEventPayload))]
internal sealed partial class ApplicationEventJsonContext : JsonSerializerContext;
