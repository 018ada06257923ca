using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>SIGTERM, as systemd or Kubernetes stop a node: the step in flight finishes and is recorded; nothing new starts.</summary>
[Collection(nameof(RunsAlone))]
[Trait("Category", "Process")]
public sealed class ShutdownTests
{
    [Fact]
    public async Task An_application_whose_create_is_in_flight_during_SIGTERM_is_recorded_and_ends_delivered_once_after_the_restart()
    {
        await using var sandbox = await SandboxProcess.StartAsync("--seed", "none");
        var tenant = await sandbox.NewTenantAsync();
        var job = await tenant.AddJobIdAsync("Cariste (H/F)");
        await using var server = await ServerProcess.StartAsync(new ServerProcessOptions { Name = "shutdown" });
        var connection = await (await server.Admin().PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = "Shutdown", customerName = "C", companyIdentifier = tenant.Company, clientId = tenant.ClientId, clientSecret = tenant.ClientSecret,
            baseUrl = sandbox.BaseAddress.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var connectionId = connection.Str("id");
        var platform = server.Http(await server.NewKeyAsync("platform"));
        await Applications.SyncAsync(server.Admin(), connectionId);

        // SR takes 5 s over the create: the SIGTERM lands while it is in flight.
        await tenant.SetFaultsAsync(new { latencyMs = 5000, pathPattern = "candidates$" });
        var id = await Applications.AcceptedAsync(platform, connectionId, job,
            Applications.Form(Applications.Applicant($"shutdown-{Guid.NewGuid():N}@example.org"), Applications.Pdf(4242)));
        await Applications.WaitAsync(platform, id, "Creating");

        var stopping = Stopwatch.StartNew();
        await server.StopAsync(TimeSpan.FromSeconds(45));
        stopping.Stop();
        server.ExitCode.ShouldBe(0, $"a graceful stop; see {server.LogPath}");
        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(35), "within the host's shutdown timeout (30 s) and a margin");
        server.Log().ShouldNotContain("SIGKILL");

        await server.RestartAsync();
        var ended = await Applications.WaitAsync(platform, id, "Delivered", "NeedsReview", "Failed");
        ended.Str("state").ShouldBe("Delivered", ended.ToJsonString());
        var candidates = await tenant.CandidatesAsync();
        candidates.Count.ShouldBe(1, "one candidate in SR");
        Applications.Steps(ended).Count(s => s.Str("step") == "create").ShouldBe(1, "one create, recorded by the node that stopped");
        server.LogShouldNotContain([("the SR client secret", tenant.ClientSecret)]);
    }
}
