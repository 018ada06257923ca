using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Applications.Files;
using Passerelle.Core.Persistence;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests;

/// <summary>
/// The hostile corpus (<see cref="HostileInputs"/>) through the real intake endpoint: each input gets its 4xx with
/// its stable code (never a 500, never a 202) and nothing of any of them is stored, neither a row nor a file.
/// </summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Every_hostile_input_gets_its_4xx_and_stable_code_and_nothing_is_stored()
    {
        await using var factory = new ApplicationServerFactory();
        var server = factory.Server;
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        var url = $"/api/v1/connections/{connection}/jobs/{jobs[0]}/applications";
        var cases = HostileInputs.All().ToList();
        cases.Count.ShouldBeGreaterThanOrEqualTo(40);

        var mismatches = new List<string>();
        foreach (var hostile in cases)
        {
            using var request = hostile.Build().ToRequest(url);
            using var response = await platform.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(body)?["code"]?.GetValue<string>() : null;
            if ((int)response.StatusCode != hostile.ExpectedStatus || code != hostile.ExpectedCode)
            {
                mismatches.Add($"{hostile.Name}: expected {hostile.ExpectedStatus} {hostile.ExpectedCode}, got {(int)response.StatusCode} {code} {body[..Math.Min(body.Length, 300)]}");
            }
        }

        mismatches.ShouldBeEmpty();

        // The same server still takes a valid application: the corpus broke nothing.
        using (var valid = HostileInputs.ValidRequest("valid.after.corpus@example.fr").ToRequest(url))
        {
            (await platform.SendAsync(valid)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        (await db.Applications.CountAsync()).ShouldBe(1);
        server.Services.GetRequiredService<EncryptedFileStore>().List().Count().ShouldBe(2);
    }
}
