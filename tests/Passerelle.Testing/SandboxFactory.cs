using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Passerelle.Sandbox;

namespace Passerelle.Testing;

/// <summary>
/// The sandbox in process, exactly as it runs alone. Tests create their own company and credential (unique names)
/// so they never see each other's data or traffic, and so no test needs a reset.
/// </summary>
/// <summary>A running sandbox, in process or not: something to send HTTP requests to.</summary>
public interface ISandbox
{
    HttpClient Http();
}

public static class SandboxExtensions
{
    /// <summary>A company of the test's own with a credential (by default exactly jobs_read and candidates_create).</summary>
    public static async Task<Tenant> NewTenantAsync(this ISandbox sandbox, params string[] scopes)
    {
        var http = sandbox.Http();
        var identifier = "co" + Guid.NewGuid().ToString("N")[..12];
        var company = await SandboxFactory.ReadAsync(await http.PostAsJsonAsync("/_sandbox/companies", new { identifier, name = "Test company " + identifier }));
        var credential = await SandboxFactory.ReadAsync(await http.PostAsJsonAsync("/_sandbox/credentials", new
        {
            company = identifier,
            scopes = scopes.Length == 0 ? ["jobs_read", "candidates_create"] : scopes,
            systemRole = "Employee",
        }));
        return new Tenant(sandbox, identifier, credential["clientId"]!.GetValue<string>(), credential["clientSecret"]!.GetValue<string>(), company["apiKey"]!.GetValue<string>());
    }
}

public class SandboxFactory : WebApplicationFactory<SandboxOptions>, ISandbox
{
    /// <summary>
    /// SR's real limits (10/s, 8 in flight) for the tests about limits; every other test gets roomy limits so that
    /// what it asserts does not depend on how fast the machine runs it.
    /// </summary>
    protected virtual bool SrLimits => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Sandbox:Seed", "demo");
        builder.UseSetting("Sandbox:RandomSeed", "7");
        if (!SrLimits)
        {
            builder.UseSetting("Sandbox:RequestsPerSecond", "100000");
            builder.UseSetting("Sandbox:ConcurrentRequests", "1000");
        }

        builder.ConfigureServices(ConfigureTestServices);
    }

    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    public HttpClient Http() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("Empty JSON body.");
    }
}

/// <summary>The sandbox with a fake clock, for token lifetimes and rate windows.</summary>
public sealed class FakeClockSandboxFactory : SandboxFactory
{
    protected override bool SrLimits => true;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>The sandbox with SR's default limits, on the real clock.</summary>
public sealed class SrLimitsSandboxFactory : SandboxFactory
{
    protected override bool SrLimits => true;
}

/// <summary>A company of the test's own, with a credential, and helpers that speak SR's wire protocol.</summary>
public sealed record Tenant(ISandbox Sandbox, string Company, string ClientId, string ClientSecret, string ApiKey)
{
    public HttpClient Http() => Sandbox.Http();

    public async Task<HttpResponseMessage> RequestTokenAsync(string? secret = null) =>
        await Http().PostAsync("/identity/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = secret ?? ClientSecret,
        }));

    public async Task<string> TokenAsync()
    {
        var response = await RequestTokenAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await SandboxFactory.ReadAsync(response))["access_token"]!.GetValue<string>();
    }

    /// <summary>A client that sends this tenant's bearer token on every request.</summary>
    public async Task<HttpClient> ApiAsync()
    {
        var http = Http();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync());
        return http;
    }

    public async Task<JsonNode> AddJobAsync(object job)
    {
        var response = await Http().PostAsJsonAsync($"/_sandbox/companies/{Company}/jobs", job);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await SandboxFactory.ReadAsync(response);
    }

    public async Task<string> AddJobIdAsync(string title = "Développeur .NET", string status = "SOURCING", string postingStatus = "PUBLIC") =>
        (await AddJobAsync(new { title, status, postingStatus }))["id"]!.GetValue<string>();

    public async Task<JsonArray> CandidatesAsync() =>
        (await SandboxFactory.ReadAsync(await Http().GetAsync($"/_sandbox/candidates?company={Company}"))).AsArray();

    public async Task<JsonNode> StatsAsync() =>
        await SandboxFactory.ReadAsync(await Http().GetAsync($"/_sandbox/stats?clientId={ClientId}"));

    public async Task SetFaultsAsync(object faults) =>
        (await Http().PutAsJsonAsync($"/_sandbox/credentials/{ClientId}/faults", faults)).StatusCode.ShouldBe(HttpStatusCode.OK);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static object Applicant(string email = "ada@example.org") => new { firstName = "Ada", lastName = "Lovelace", email };

    public static MultipartFormDataContent File(byte[] content, string fileName, string? attachmentType = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (attachmentType is not null)
        {
            form.Add(new StringContent(attachmentType), "attachmentType");
        }

        return form;
    }
}

public static class JsonAssertions
{
    public static string Str(this JsonNode? node, string name) => node?[name]?.GetValue<string>() ?? throw new ShouldAssertException($"No string '{name}' in {node?.ToJsonString()}");

    public static async Task<JsonNode> ShouldBeJsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>SR's error shape: a message and a list of coded errors.</summary>
    public static async Task<JsonNode> ShouldBeSrErrorAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.ShouldBeJsonAsync(status);
        body.Str("message").ShouldNotBeNullOrWhiteSpace();
        body["errors"].ShouldBeOfType<JsonArray>();
        return body;
    }

    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web);
}
