using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Security;

/// <summary>
/// Every API route the server maps, found from its endpoint table (so a new route is swept without anyone adding it
/// here), called by every kind of caller with another connection's ids. Only the allowed answers come back: no
/// key → 401; a key restricted to connection A never reads or changes anything of connection B; nobody gets a 500.
/// </summary>
public sealed class RouteSweepTests
{
    [Fact]
    public async Task Every_route_with_every_role_and_another_connection_s_ids_gives_only_the_allowed_answers()
    {
        await using var server = new ServerFactory();
        var (a, _) = await Applications.OnboardAsync(server, await server.Sandbox.NewTenantAsync());
        var (b, bJobs) = await Applications.OnboardAsync(server, await server.Sandbox.NewTenantAsync());
        var bPlatform = await server.KeyAsync(ApiRole.Platform, Guid.Parse(b));
        var bApplication = await Applications.AcceptedAsync(bPlatform, b, bJobs[0], Applications.Form(Applications.Applicant("sweep.b@example.org"), Applications.Pdf(5)));

        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Distinct().OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToList();
        routes.Count.ShouldBeGreaterThan(25, "the sweep found the API's routes");

        string Url(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", m => m.Groups[1].Value switch
        {
            "id" when pattern.StartsWith("/api/v1/connections", StringComparison.Ordinal) => b,
            "applicationId" => bApplication,
            "jobId" => bJobs[0],
            _ => Guid.NewGuid().ToString(),
        });

        var anonymous = server.CreateClient();
        var callers = new (string Name, HttpClient Http, bool Restricted)[]
        {
            ("a platform key of connection A", await server.KeyAsync(ApiRole.Platform, Guid.Parse(a)), true),
            ("an admin key restricted to connection A", await server.KeyAsync(ApiRole.Admin, Guid.Parse(a)), true),
            ("an unrestricted platform key", await server.KeyAsync(ApiRole.Platform), false),
            ("the unrestricted admin key", server.Admin(), false),
        };

        var wrong = new List<string>();
        var seen = new Dictionary<string, int>();
        foreach (var (method, pattern) in routes)
        {
            var url = Url(pattern);
            using (var response = await anonymous.SendAsync(Request(method, url)))
            {
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    wrong.Add($"{method} {pattern} without a key: {(int)response.StatusCode} (401 expected)");
                }
            }

            foreach (var (name, http, restricted) in callers)
            {
                using var response = await http.SendAsync(Request(method, url));
                var body = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                seen[$"{status}"] = seen.GetValueOrDefault($"{status}") + 1;
                if (status >= 500 && status != 503)
                {
                    wrong.Add($"{method} {pattern} by {name}: {status}");
                }

                if (restricted && response.IsSuccessStatusCode && (body.Contains(b, StringComparison.OrdinalIgnoreCase) || body.Contains(bApplication, StringComparison.OrdinalIgnoreCase)))
                {
                    wrong.Add($"{method} {pattern} by {name}: {status} showing connection B's data");
                }

                if (restricted && response.IsSuccessStatusCode && method != "GET")
                {
                    wrong.Add($"{method} {pattern} by {name}: {status}, a change on connection B's resources (or an admin route) allowed");
                }

                if (!response.IsSuccessStatusCode && !body.Contains("\"code\"", StringComparison.Ordinal))
                {
                    wrong.Add($"{method} {pattern} by {name}: {status} without a problem code");
                }
            }
        }

        wrong.ShouldBeEmpty($"{routes.Count} routes swept; answers: {string.Join(", ", seen.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}×{s.Value}"))}");

        // Connection B's application is untouched by all of it but the unrestricted admin's own calls: it still exists.
        (await bPlatform.GetAsync($"/api/v1/applications/{bApplication}")).StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Gone, HttpStatusCode.NotFound);
    }

    /// <summary>A request with an empty JSON object where a body is expected: enough to reach authorisation and validation.</summary>
    private static HttpRequestMessage Request(string method, string url) => new(new HttpMethod(method), url)
    {
        Content = method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
    };
}
