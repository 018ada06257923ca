using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

public sealed class JobApiTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private async Task<(Tenant Tenant, string ConnectionId, List<string> Jobs)> SyncedAsync(int jobs)
    {
        var tenant = await server.Sandbox.NewTenantAsync();
        var ids = new List<string>();
        // The first job names its recruiter, as SR's jobs do.
        ids.Add((await tenant.AddJobAsync(new { title = "Cariste 0", creator = new { id = "u-1", firstName = "Camille", lastName = "Recruteur" } })).Str("id"));
        for (var i = 1; i < jobs; i++)
        {
            ids.Add(await tenant.AddJobIdAsync(i % 2 == 0 ? $"Cariste {i}" : $"Comptable {i}", status: i == 1 ? "FILLED" : "SOURCING"));
        }

        var created = await (await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = $"Jobs {Guid.NewGuid():N}", customerName = "C", companyIdentifier = tenant.Company, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = created.Str("id");
        await using var scope = server.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<JobSync>().RunOnceAsync(new ConnectionId(Guid.Parse(id)), SyncKind.Full))!.Complete.ShouldBeTrue();
        return (tenant, id, ids);
    }

    [Fact]
    public async Task The_platform_pages_through_synced_jobs_and_filters_them()
    {
        var (_, id, jobs) = await SyncedAsync(5);
        var platform = await server.KeyAsync(ApiRole.Platform);

        var first = await (await platform.GetAsync($"/api/v1/connections/{id}/jobs?limit=2")).ShouldBeJsonAsync(HttpStatusCode.OK);
        var seen = first["items"]!.AsArray().Select(j => j.Str("id")).ToList();
        var cursor = first.Str("nextCursor");
        while (cursor is not null)
        {
            var page = await (await platform.GetAsync($"/api/v1/connections/{id}/jobs?limit=2&cursor={cursor}")).ShouldBeJsonAsync(HttpStatusCode.OK);
            seen.AddRange(page["items"]!.AsArray().Select(j => j.Str("id")));
            cursor = page["nextCursor"]?.GetValue<string>();
        }

        seen.ShouldBe(jobs, ignoreOrder: true);
        var open = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/jobs?open=true"));
        open["items"]!.AsArray().Count.ShouldBe(4);
        var text = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/jobs?q=CARISTE"));
        text["items"]!.AsArray().Select(j => j.Str("title")).ShouldAllBe(t => t.StartsWith("Cariste"));
        var detail = await (await platform.GetAsync($"/api/v1/connections/{id}/jobs/{jobs[0]}")).ShouldBeJsonAsync(HttpStatusCode.OK);
        detail["job"].Str("title").ShouldBe("Cariste 0");
        detail["smartRecruiters"].Str("id").ShouldBe(jobs[0]);
        detail["smartRecruiters"]!["creator"].ShouldBeNull("the recruiter's name is personal data Passerelle does not keep");
        detail.ToJsonString().ShouldNotContain("Recruteur");
        var runs = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/sync-runs"));
        runs.AsArray().Single()!["created"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public async Task Jobs_of_another_connection_and_bad_cursors_are_refused_plainly()
    {
        var (_, a, _) = await SyncedAsync(1);
        var (_, b, jobsB) = await SyncedAsync(1);
        var restricted = await server.KeyAsync(ApiRole.Platform, Guid.Parse(a));

        (await restricted.GetAsync($"/api/v1/connections/{a}/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await restricted.GetAsync($"/api/v1/connections/{b}/jobs")).ShouldBeJsonAsync(HttpStatusCode.NotFound)).Str("code").ShouldBe("not_found");
        (await restricted.GetAsync($"/api/v1/connections/{b}/jobs/{jobsB[0]}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await restricted.GetAsync($"/api/v1/connections/{b}/sync-runs")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await (await restricted.GetAsync($"/api/v1/connections/{a}/jobs?cursor=nonsense")).ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldBe("jobs.bad_cursor");
        (await (await restricted.GetAsync($"/api/v1/connections/{a}/jobs?limit=1000")).ShouldBeJsonAsync(HttpStatusCode.BadRequest)).Str("code").ShouldBe("validation_failed");
    }
}
