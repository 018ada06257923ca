using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Passerelle.Testing;

/// <summary>An applicant as Hippolyte-rh sends one: the JSON part of an application.</summary>
public sealed record TestApplicant(string FirstName, string LastName, string Email, string ExternalId)
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";

    /// <summary>An applicant with unique, made-up names (10 random letters each) and e-mail, so a leak check can search for them.</summary>
    public static TestApplicant Random(Random random, string externalId)
    {
        string Word() => char.ToUpperInvariant(Letters[random.Next(26)]) + new string([.. Enumerable.Range(0, 9).Select(_ => Letters[random.Next(26)])]);
        var (first, last) = (Word(), Word());
        return new TestApplicant(first, last, $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}@example.org", externalId);
    }

    public object Json() => new
    {
        firstName = FirstName,
        lastName = LastName,
        email = Email,
        phoneNumber = "+33 6 12 34 56 78",
        tags = new[] { "hippolyte-rh", "test" },
        consent = new { given = true, text = "J'accepte que mes données soient transmises au recruteur.", version = "2026-01" },
        channel = "career-site",
        externalId = ExternalId,
    };
}

/// <summary>A CV known by its seed: the bytes are made again when needed, so thousands of them need no memory.</summary>
public sealed record TestCv(int Seed, int Length, string Marker)
{
    public byte[] Bytes() => PdfFiles.Random(Seed, Length, Marker);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

public enum SubmitResult
{
    /// <summary>202 (or the first answer replayed for the same Idempotency-Key).</summary>
    Accepted,

    /// <summary>Nothing answered (refused, reset, timed out) or 429/502/503/504: the contract is to send it again with the same key.</summary>
    Unavailable,

    /// <summary>Any other answer: the server decided, and sending it again would not change its mind.</summary>
    Rejected,
}

/// <summary>
/// One attempt: the result, the application id when accepted (and whether the server replayed the first answer for
/// the same key), the status and problem code otherwise (never the body: it may echo personal data).
/// </summary>
public sealed record SubmitOutcome(SubmitResult Result, string? ApplicationId, int? Status, string? Problem, TimeSpan Elapsed, bool Replayed = false);

/// <summary>The platform's side of <c>POST /api/v1/connections/{id}/jobs/{jobId}/applications</c> and the application list.</summary>
public static class Intake
{
    public static async Task<SubmitOutcome> SubmitAsync(
        HttpClient platform, string connectionId, string jobId, TestApplicant applicant, byte[] cv, string? idempotencyKey,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(JsonContent.Create(applicant.Json()), "applicant");
        var file = new ByteArrayContent(cv);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "cv", $"cv-{applicant.ExternalId}.pdf");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/connections/{connectionId}/jobs/{jobId}/applications") { Content = form };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await platform.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode && Parse(text)?["id"]?.GetValue<string>() is { } id)
            {
                var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
                return new SubmitOutcome(SubmitResult.Accepted, id, status, null, clock.Elapsed, replayed);
            }

            var unavailable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
            var problem = Parse(text)?["code"]?.GetValue<string>() ?? "(no problem code)";
            return new SubmitOutcome(unavailable ? SubmitResult.Unavailable : SubmitResult.Rejected, null, status, problem, clock.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return new SubmitOutcome(SubmitResult.Unavailable, null, null, e.HttpRequestError.ToString(), clock.Elapsed);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SubmitOutcome(SubmitResult.Unavailable, null, null, "timeout", clock.Elapsed);
        }
    }

    /// <summary>Every application of a connection (optionally in one state), following <c>nextCursor</c>.</summary>
    public static async Task<List<JsonNode>> ListAsync(HttpClient platform, string connectionId, string? state = null, CancellationToken cancellationToken = default)
    {
        var items = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var query = $"/api/v1/connections/{connectionId}/applications?limit=100{(state is null ? "" : "&state=" + state)}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}";
            using var response = await platform.GetAsync(query, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET {query} answered {(int)response.StatusCode} {Parse(text)?["code"]}", null, response.StatusCode);
            }

            var page = Parse(text) ?? throw new InvalidOperationException($"GET {query} answered no JSON.");
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        return items;
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
