using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.ApiClients;
using Passerelle.Core.Webhooks;
using Passerelle.Testing;

namespace Passerelle.Server.Tests;

/// <summary>
/// Hippolyte-rh's whole job flow through the running server: subscribe, onboard a customer, and receive signed
/// events as the lane syncs, with no test code calling the sync or the dispatcher.
/// </summary>
public sealed class JobFlowTests
{
    [Fact]
    public async Task Onboarding_a_customer_sends_signed_job_events_and_a_job_gone_from_sr_is_closed_after_two_full_syncs()
    {
        await using var scheduled = new ScheduledServerFactory();
        var server = scheduled.Server;
        server.Settings["Webhooks:PollInterval"] = "00:00:00.200";
        var receiver = new RecordingReceiver();
        await using var app = server.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddHttpClient(WebhookDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => receiver)));
        _ = app.Services;
        var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "bootstrap-admin-key.txt"))).Trim());

        var subscription = await (await admin.PostAsJsonAsync("/api/v1/webhook-subscriptions", new
        {
            url = "https://hooks.hippolyte-rh.example/passerelle", eventTypes = new[] { "job.created", "job.closed" },
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        receiver.Secret = subscription.Str("secret");

        var tenant = await server.Sandbox.NewTenantAsync();
        var kept = await tenant.AddJobIdAsync("Cariste (H/F)");
        var gone = await tenant.AddJobIdAsync("Comptable (H/F)");
        var created = await (await admin.PostAsJsonAsync("/api/v1/connections", new
        {
            displayName = "Flow", customerName = "C", companyIdentifier = tenant.Company, clientId = tenant.ClientId,
            clientSecret = tenant.ClientSecret, baseUrl = server.SandboxUrl.AbsoluteUri,
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = created.Str("id");
        // The lane's first sync creates both offers; the dispatcher delivers one signed job.created each.
        var createdEvents = await LaneTests.EventuallyAsync(() => Task.FromResult(Events(receiver, "job.created") is { Count: 2 } events ? events : null),
            "two job.created webhooks");
        createdEvents.Select(e => e["data"].Str("jobId")).ShouldBe([kept, gone], ignoreOrder: true);
        createdEvents.ShouldAllBe(e => e.Str("connectionId") == id);
        receiver.Received.ShouldAllBe(r => r.Verified);
        // The job disappears from SR: the first full sync only notes it, the second closes it.
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{gone}")).EnsureSuccessStatusCode();
        // Keys come from the running app (server.KeyAsync would start a second host on the same database).
        var platform = await ServerFactory.KeyAsync(app, ApiRole.Platform);
        for (var listing = 1; listing <= 2; listing++)
        {
            var run = await (await platform.PostAsJsonAsync($"/api/v1/connections/{id}/sync", new { kind = "full" })).ShouldBeJsonAsync(HttpStatusCode.Accepted);
            var finished = await LaneTests.EventuallyAsync(async () =>
                await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/sync-runs/{run.Str("id")}")) is { } r && r.Str("state") == "Finished" ? r : null,
                $"full sync {listing}");
            finished["closed"]!.GetValue<int>().ShouldBe(listing == 1 ? 0 : 1);
        }

        var closed = await LaneTests.EventuallyAsync(() => Task.FromResult(Events(receiver, "job.closed") is { Count: 1 } events ? events : null), "the job.closed webhook");
        closed.Single()["data"].Str("jobId").ShouldBe(gone);
        closed.Single()["data"]!["closed"]!.GetValue<bool>().ShouldBeTrue();
        receiver.Received.ShouldAllBe(r => r.Verified);
        var offer = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{id}/jobs/{gone}"));
        offer["job"]!["closed"]!.GetValue<bool>().ShouldBeTrue();
    }

    private static List<JsonNode> Events(RecordingReceiver receiver, string type) =>
        [.. receiver.Bodies.Select(b => JsonNode.Parse(b)!).Where(e => e.Str("type") == type)];
}
