using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Passerelle.Testing;

namespace Passerelle.Sandbox.Tests;

/// <summary>Whatever a caller sends, the sandbox answers with a 4xx that says what is wrong, never a 500.</summary>
public sealed class BadInputTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    public static TheoryData<string, string, string?, string?> Requests => new()
    {
        { "GET", "/jobs?limit=1&limit=2", null, null },
        { "GET", "/jobs?updatedAfter=2026-13-45T99:00:00Z", null, null },
        { "GET", "/jobs?lastActivityAfter=%00", null, null },
        { "GET", "/jobs?pageId=" + new string('A', 5000), null, null },
        { "GET", "/jobs?pageId=%%%", null, null },
        { "GET", "/jobs/%20", null, null },
        { "GET", "/jobs/" + new string('9', 3000), null, null },
        { "DELETE", "/jobs", null, null },
        { "PUT", "/candidates", null, null },
        { "POST", "/jobs/{job}/candidates", "application/json", new string('[', 5000) },
        { "POST", "/jobs/{job}/candidates", "application/json", "{\"firstName\":{\"a\":1},\"lastName\":[],\"email\":true}" },
        { "POST", "/jobs/{job}/candidates", "application/json", "{\"firstName\":\"A\",\"lastName\":\"B\",\"email\":\"a@b.org\",\"education\":[{\"current\":\"yes\"}]}" },
        { "POST", "/jobs/{job}/candidates", "application/json; charset=latin1", "\u00ff\u00fe" },
        { "POST", "/jobs/{job}/candidates", "application/xml", "<candidate/>" },
        { "POST", "/jobs/{job}/candidates", null, null },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data", "junk" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=", "junk" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\n\r\nnot a pdf\r\n--x--\r\n" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.docx\"\r\n\r\nPK not a zip\r\n--x--\r\n" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.odt\"\r\n\r\nPK not a zip\r\n--x--\r\n" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.rtf\"\r\n\r\n{\\rtf1 {\\*\\x}\r\n--x--\r\n" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.doc\"\r\n\r\n\u0001\u0002\r\n--x--\r\n" },
        { "POST", "/jobs/{job}/candidates/cv", "multipart/form-data; boundary=x", "--x\r\nno disposition\r\n\r\nabc\r\n--x--\r\n" },
        { "POST", "/identity/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=%ZZ&client_secret=" + new string('s', 10000) },
        { "POST", "/identity/oauth/token", "multipart/form-data; boundary=x", "--x\r\n\r\n" },
        { "GET", "/v1/companies/%20/postings?offset=-5", null, null },
        { "GET", "/v1/companies/MaisonAzur/postings?limit=abc", null, null },
        { "PUT", "/_sandbox/settings", "application/json", "{\"latencyMs\":2147483647,\"latencyJitterMs\":2147483647}" },
        { "PUT", "/_sandbox/settings", "application/json", "{\"requestsPerSecond\":1e20}" },
        { "PUT", "/_sandbox/settings", "application/json", "{\"duplicatePolicy\":5,\"allowedAttachmentExtensions\":\"pdf\"}" },
        { "POST", "/_sandbox/companies/MaisonAzur/jobs", "application/json", "{\"title\":\"X\",\"translations\":[1]}" },
        { "POST", "/_sandbox/companies/MaisonAzur/jobs", "application/json", "{\"title\":\"X\",\"translations\":{\"en\":{\"title\":1}}}" },
        { "POST", "/_sandbox/reset?seed=/proc", null, null },
        { "GET", "/_sandbox/candidates/x/attachments/y/content", null, null },
        { "GET", "/_sandbox/stats?clientId=%00", null, null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Junk_gets_a_4xx_with_a_body_never_a_5xx(string method, string path, string? contentType, string? body)
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var http = path.StartsWith("/_sandbox", StringComparison.Ordinal) || path.StartsWith("/v1", StringComparison.Ordinal) || path.StartsWith("/identity", StringComparison.Ordinal)
            ? tenant.Http()
            : await tenant.ApiAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{job}", jobId, StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        var response = await http.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeInRange(400, 499, text);
        text.ShouldNotBeNullOrWhiteSpace();
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_json_body_claiming_a_huge_length_is_refused_before_it_is_read()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        var api = await tenant.ApiAsync();
        var content = new StreamContent(new MemoryStream(new byte[10]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentLength = 10;
        var big = new ByteArrayContent(new byte[3 * 1024 * 1024]);
        big.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await (await api.PostAsync($"/jobs/{jobId}/candidates", big)).ShouldBeSrErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        await (await api.PostAsync($"/jobs/{jobId}/candidates", content)).ShouldBeSrErrorAsync(HttpStatusCode.BadRequest);
    }
}
