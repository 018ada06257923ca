using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Passerelle.Core.ApiClients;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>
/// A server whose delivery retries quickly (backoff from 200 ms), with helpers to onboard a sandbox tenant with
/// synced jobs, submit applications and wait for their states.
/// </summary>
public sealed class ApplicationServerFactory : IAsyncDisposable
{
    public ServerFactory Server { get; } = new();

    public ApplicationServerFactory()
    {
        Server.Settings["Applications:RetryBackoffBase"] = "00:00:00.200";
        Server.Settings["Applications:RetryBackoffCap"] = "00:00:01";
        Server.Settings["Sync:SupervisorInterval"] = "00:00:01";
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

internal static class Applications
{
    public const string Consent = "J'accepte que mes données soient transmises à l'employeur pour ma candidature.";

    /// <summary>A connection on <paramref name="tenant"/> with <paramref name="jobs"/> open jobs, synced: their SR ids.</summary>
    public static async Task<(string ConnectionId, List<string> Jobs)> OnboardAsync(ServerFactory server, Tenant tenant, int jobs = 1, HttpClient? admin = null,
        string? baseUrl = null)
    {
        var ids = new List<string>();
        for (var i = 0; i < jobs; i++)
        {
            ids.Add(await tenant.AddJobIdAsync($"Préparateur de commandes {i} (H/F)"));
        }

        admin ??= server.Admin();
        var created = await (await admin.PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = $"Applications {Guid.NewGuid():N}", customerName = "C", companyIdentifier = tenant.Company, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = baseUrl ?? server.SandboxUrl.AbsoluteUri, tags = new[] { "hippolyte-rh" },
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        created.Str("status").ShouldBe("Active");
        var id = created.Str("id");
        await SyncAsync(admin, id);
        return (id, ids);
    }

    public static async Task SyncAsync(HttpClient http, string connectionId)
    {
        var run = await (await http.PostAsJsonAsync($"/api/v1/connections/{connectionId}/sync", new { kind = "full" })).ShouldBeJsonAsync(HttpStatusCode.Accepted);
        await LaneTests.EventuallyAsync(async () =>
            await SandboxFactory.ReadAsync(await http.GetAsync($"/api/v1/connections/{connectionId}/sync-runs/{run.Str("id")}")) is { } r && r.Str("state") == "Finished" ? r : null,
            "the sync");
    }

    public static object Applicant(string email, string? externalId = null, string channel = "indeed") => new
    {
        firstName = "Chloé", lastName = "Bernard", email, phoneNumber = "+33 6 11 22 33 44",
        location = new { city = "Nantes", countryCode = "FR" },
        tags = new[] { "cariste" },
        consent = new { given = true, text = Consent, version = "2026-01" },
        channel, externalId,
    };

    /// <summary>A small, structurally valid PDF whose content is unique to <paramref name="seed"/> (the shared generator).</summary>
    public static byte[] Pdf(int seed, int size = 4096) => PdfFiles.Random(seed, size, $"application-test-{seed}");

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static MultipartFormDataContent Form(object applicant, byte[] cv, string cvName = "cv-chloe.pdf", byte[]? coverLetter = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(JsonSerializer.Serialize(applicant), Encoding.UTF8, "application/json"), "applicant" },
        };
        var file = new ByteArrayContent(cv);
        file.Headers.ContentType = new MediaTypeHeaderValue(cvName.EndsWith(".txt", StringComparison.Ordinal) ? "text/plain" : "application/pdf");
        form.Add(file, "cv", cvName);
        if (coverLetter is not null)
        {
            var letter = new ByteArrayContent(coverLetter);
            letter.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(letter, "coverLetter", "lettre.txt");
        }

        return form;
    }

    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient platform, string connectionId, string? jobId, MultipartFormDataContent form, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            jobId is null ? $"/api/v1/connections/{connectionId}/applications" : $"/api/v1/connections/{connectionId}/jobs/{jobId}/applications") { Content = form };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await platform.SendAsync(request);
    }

    /// <summary>Submits and returns the application id (202 expected).</summary>
    public static async Task<string> AcceptedAsync(HttpClient platform, string connectionId, string? jobId, MultipartFormDataContent form, string? key = null) =>
        (await (await SubmitAsync(platform, connectionId, jobId, form, key)).ShouldBeJsonAsync(HttpStatusCode.Accepted)).Str("id");

    public static Task<JsonNode> GetAsync(HttpClient http, string applicationId) =>
        http.GetAsync($"/api/v1/applications/{applicationId}").ContinueWith(t => SandboxFactory.ReadAsync(t.Result)).Unwrap();

    /// <summary>Waits until the application is in one of <paramref name="states"/>.</summary>
    public static async Task<JsonNode> WaitAsync(HttpClient http, string applicationId, params string[] states)
    {
        JsonNode? last = null;
        try
        {
            return await LaneTests.EventuallyAsync(async () => (last = await GetAsync(http, applicationId)) is { } a && states.Contains(a.Str("state")) ? a : null,
                $"application {applicationId} to be {string.Join(" or ", states)}");
        }
        catch (ShouldAssertException e)
        {
            throw new ShouldAssertException($"{e.Message} Last seen: {last?.ToJsonString()}", e);
        }
    }

    public static async Task<HttpClient> PlatformAsync(ServerFactory server) => await server.KeyAsync(ApiRole.Platform);

    public static IEnumerable<JsonNode> Steps(JsonNode application) => application["steps"]!.AsArray().Select(s => s!);
}
