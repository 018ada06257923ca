using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Passerelle.Core.Connections;
using Passerelle.Core.Jobs;
using Passerelle.Testing;

namespace Passerelle.Core.Tests;

public sealed class JobSyncTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>, IAsyncLifetime
{
    private CoreHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await CoreHarness.CreateAsync(sandbox);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private async Task<(Tenant Tenant, ConnectionId Id, List<string> Jobs)> ConnectedTenantAsync(int jobs)
    {
        var tenant = await sandbox.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < jobs; i++)
        {
            ids.Add(await tenant.AddJobIdAsync($"Offre {i}"));
        }

        var (connection, _) = await _harness.Get<ConnectionService>().CreateAsync(new ConnectionDraft(
            $"Sync {Guid.NewGuid():N}", "Customer", tenant.Company, tenant.ClientId, tenant.ClientSecret, sandbox.Server.BaseAddress), "test");
        return (tenant, connection.Id, ids);
    }

    private static async Task<long> DetailCallsAsync(Tenant tenant) =>
        (await tenant.StatsAsync())["endpoints"]?["GET /jobs/{id}"]?["requests"]?.GetValue<long>() ?? 0;

    [Fact]
    public async Task The_first_sync_reads_every_job_once_with_the_minimum_of_calls()
    {
        var (tenant, id, jobs) = await ConnectedTenantAsync(7);

        var run = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        run!.Created.ShouldBe(7);
        run.Complete.ShouldBeTrue();
        run.SrCalls.ShouldBe(run.Pages + 7);
        (await DetailCallsAsync(tenant)).ShouldBe(7);
        await using var db = _harness.Db();
        var offers = await db.JobOffers.Where(o => o.ConnectionId == id).ToListAsync();
        offers.Select(o => o.SrJobId).ShouldBe(jobs, ignoreOrder: true);
        offers.ShouldAllBe(o => o.RawJson.Contains(o.SrJobId) && o.Title!.StartsWith("Offre") && o.SrUpdatedOn != null);
        var events = await db.OutboxEvents.Where(e => e.ConnectionId == id).ToListAsync();
        events.Select(e => e.Type).ShouldAllBe(t => t == "job.created");
        events.Count.ShouldBe(7);
        events.ShouldAllBe(e => e.DispatchedAt == null && e.Payload.Contains("\"jobId\""));
    }

    [Fact]
    public async Task An_incremental_sync_fetches_exactly_the_changed_and_new_jobs_and_sees_status_changes()
    {
        var (tenant, id, jobs) = await ConnectedTenantAsync(6);
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        var before = await DetailCallsAsync(tenant);

        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{jobs[1]}", new { status = "FILLED" })).EnsureSuccessStatusCode();
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{jobs[4]}", new { postingStatus = "INTERNAL" })).EnsureSuccessStatusCode();
        var added = await tenant.AddJobIdAsync("Nouvelle offre");
        var run = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);

        run!.Created.ShouldBe(1);
        run.Updated.ShouldBe(2);
        (await DetailCallsAsync(tenant) - before).ShouldBe(3, "only the changed and new jobs' details are fetched");
        await using var db = _harness.Db();
        (await db.JobOffers.SingleAsync(o => o.SrJobId == jobs[1])).Status.ShouldBe("FILLED");
        (await db.JobOffers.SingleAsync(o => o.SrJobId == jobs[4])).PostingStatus.ShouldBe("INTERNAL");
        (await db.JobOffers.AnyAsync(o => o.SrJobId == added)).ShouldBeTrue();
        var types = await db.OutboxEvents.Where(e => e.ConnectionId == id).Select(e => e.Type).ToListAsync();
        types.Count(t => t == "job.created").ShouldBe(7, "six at first, one now");
        types.Count(t => t == "job.updated").ShouldBe(2);
    }

    [Fact]
    public async Task A_job_is_closed_only_after_two_consecutive_complete_listings_without_it()
    {
        var (tenant, id, jobs) = await ConnectedTenantAsync(3);
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{jobs[0]}")).EnsureSuccessStatusCode();

        var first = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        var second = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        first!.Closed.ShouldBe(0);
        second!.Closed.ShouldBe(1);
        await using var db = _harness.Db();
        var gone = await db.JobOffers.SingleAsync(o => o.SrJobId == jobs[0]);
        gone.IsClosed.ShouldBeTrue();
        (await db.JobOffers.CountAsync(o => o.ConnectionId == id && !o.IsClosed)).ShouldBe(2);
        (await db.OutboxEvents.Where(e => e.ConnectionId == id && e.Type == "job.closed").Select(e => e.Payload).SingleAsync()).ShouldContain(jobs[0]);
    }

    [Fact]
    public async Task A_listing_interrupted_by_faults_closes_nothing_and_records_why()
    {
        var (tenant, id, jobs) = await ConnectedTenantAsync(3);
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{jobs[2]}")).EnsureSuccessStatusCode();
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        await tenant.SetFaultsAsync(new { error500Rate = 1.0, pathPattern = "^/jobs$" });

        var run = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        run!.Complete.ShouldBeFalse();
        run.Closed.ShouldBe(0);
        run.Error.ShouldNotBeNullOrEmpty();
        await using var db = _harness.Db();
        (await db.JobOffers.SingleAsync(o => o.SrJobId == jobs[2])).IsClosed.ShouldBeFalse("one complete listing without it is not enough");
        (await db.SyncRuns.CountAsync(r => r.ConnectionId == id)).ShouldBe(3);
    }

    [Fact]
    public async Task A_revoked_credential_needs_attention_and_sync_stops_calling_sr_until_it_is_fixed()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(2);
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        var regenerated = await SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).EnsureSuccessStatusCode();

        var refused = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);
        var tokensWhenRefused = (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>();
        var skipped = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);
        var tokensWhileWaiting = (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>();

        refused!.Complete.ShouldBeFalse();
        skipped.ShouldBeNull("a connection waiting for a person is not synced");
        tokensWhileWaiting.ShouldBe(tokensWhenRefused, "and SR is not called at all");
        await using (var db = _harness.Db())
        {
            var connection = await db.Connections.SingleAsync(c => c.Id == id);
            connection.Status.ShouldBe(ConnectionStatus.NeedsAttention);
            connection.AttentionReason.ShouldBe(AttentionReason.CredentialsInvalid);
            (await db.ConnectionAudit.Where(a => a.ConnectionId == id).Select(a => a.Action).ToListAsync()).ShouldContain("health_changed");
            (await db.OutboxEvents.Where(e => e.ConnectionId == id && e.Type == "connection.health_changed").Select(e => e.Payload).SingleAsync())
                .ShouldContain("CredentialsInvalid");
        }

        // The account manager rotates in the customer's new secret: syncing resumes.
        (await _harness.Get<ConnectionService>().RotateSecretAsync(id, regenerated.Str("clientSecret"), "am:camille"))!.Applied.ShouldBeTrue();
        var resumed = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);

        resumed.ShouldNotBeNull();
        resumed.Complete.ShouldBeTrue();
    }

    [Fact]
    public async Task Lasting_transient_failures_make_it_unreachable_and_the_next_good_sync_makes_it_active_again()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(2);
        var impatient = new JobSync(_harness.Db(), _harness.Get<SmartRecruiters.SmartRecruitersClient>(), _harness.Get<Secrets.SecretProtector>(), TimeProvider.System)
        {
            UnreachableAfter = TimeSpan.Zero,
        };
        await tenant.SetFaultsAsync(new { error503Rate = 1.0, pathPattern = "^/jobs$" });

        (await impatient.RunOnceAsync(id, SyncKind.Full))!.Complete.ShouldBeFalse();
        await using (var db = _harness.Db())
        {
            (await db.Connections.SingleAsync(c => c.Id == id)).AttentionReason.ShouldBe(AttentionReason.Unreachable);
        }

        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}/faults")).EnsureSuccessStatusCode();
        var recovered = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        recovered!.Complete.ShouldBeTrue("an unreachable connection keeps being tried");
        await using var check = _harness.Db();
        (await check.Connections.SingleAsync(c => c.Id == id)).Status.ShouldBe(ConnectionStatus.Active);
    }

    [Fact]
    public async Task Offers_know_their_public_postings_by_reference_and_keep_job_ad_html_safe()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(0);
        var published = (await tenant.AddJobAsync(new
        {
            title = "Magasinier (H/F)", refNumber = "MAZ-900", postingStatus = "PUBLIC", language = new { code = "fr" },
            translations = new { en = new { title = "Storekeeper" } },
            jobAd = new
            {
                sections = new
                {
                    jobDescription = new
                    {
                        title = "Le poste",
                        text = "<p onclick=\"steal()\">Vous <strong>préparez</strong> les commandes.</p><script>alert(1)</script>"
                            + "<a href=\"javascript:alert(1)\">x</a><a href=\"https://example.org/fiche\">fiche</a><iframe src=\"https://evil.example\"></iframe>",
                    },
                },
            },
        })).Str("id");
        var internalJob = await tenant.AddJobIdAsync("Poste interne", postingStatus: "INTERNAL");

        var run = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        run!.Complete.ShouldBeTrue();
        run.PostingCalls.ShouldBeGreaterThan(0);
        await using var db = _harness.Db();
        var offer = await db.JobOffers.SingleAsync(o => o.ConnectionId == id && o.SrJobId == published);
        offer.Postings.Select(p => p.Language).ShouldBe(["en", "fr"], "SR publishes a job once per language, all with its refNumber");
        offer.Postings.Select(p => p.PostingId).Distinct().Count().ShouldBe(2);
        offer.Postings.ShouldAllBe(p => p.Url!.StartsWith($"https://jobs.smartrecruiters.com/{tenant.Company}/"));
        (await db.JobOffers.SingleAsync(o => o.ConnectionId == id && o.SrJobId == internalJob)).Postings.ShouldBeEmpty();

        var html = offer.AdSections!.JobDescription!.Html!;
        offer.AdSections.JobDescription.Title.ShouldBe("Le poste");
        html.ShouldContain("<strong>préparez</strong>");
        html.ShouldContain("href=\"https://example.org/fiche\"");
        html.ShouldContain("rel=\"noopener noreferrer nofollow\"");
        html.ShouldNotContain("script");
        html.ShouldNotContain("onclick");
        html.ShouldNotContain("javascript:");
        html.ShouldNotContain("iframe");
        var created = await db.OutboxEvents.SingleAsync(e => e.ConnectionId == id && e.Type == "job.created" && e.Payload.Contains(published));
        created.Payload.ShouldContain("\"postings\":[{", customMessage: "the event carries the public postings, linked before it was written");
    }

    [Fact]
    public async Task A_posting_that_appears_later_makes_the_offer_updated_and_unpublishing_removes_it()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(0);
        var job = (await tenant.AddJobAsync(new { title = "Cariste", refNumber = "MAZ-901", postingStatus = "NOT_PUBLISHED" })).Str("id");
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);

        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{job}", new { postingStatus = "PUBLIC" })).EnsureSuccessStatusCode();
        var run = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);

        run!.Updated.ShouldBe(1);
        await using var db = _harness.Db();
        var offer = await db.JobOffers.SingleAsync(o => o.ConnectionId == id && o.SrJobId == job);
        offer.PostingStatus.ShouldBe("PUBLIC");
        offer.Postings.ShouldNotBeEmpty();
        (await db.OutboxEvents.CountAsync(e => e.ConnectionId == id && e.Type == "job.updated")).ShouldBe(1, "one event per changed offer per run");

        // Unpublished again: its public postings are gone with it.
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{job}", new { postingStatus = "INTERNAL" })).EnsureSuccessStatusCode();
        (await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental))!.Updated.ShouldBe(1);
        await using var after = _harness.Db();
        var unpublished = await after.JobOffers.SingleAsync(o => o.ConnectionId == id && o.SrJobId == job);
        unpublished.PostingStatus.ShouldBe("INTERNAL");
        unpublished.Postings.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_job_whose_details_failed_is_fetched_again_by_the_next_incremental_sync_and_only_it()
    {
        var (tenant, id, jobs) = await ConnectedTenantAsync(3);
        await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{jobs[0]}", new { title = "Offre 0 (modifiée)" })).EnsureSuccessStatusCode();
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/jobs/{jobs[1]}", new { title = "Offre 1 (modifiée)" })).EnsureSuccessStatusCode();

        // Every attempt at job 0's details fails with a 500 this time.
        await tenant.SetFaultsAsync(new { script = new[] { "500", "500", "500", "500" }, methods = new[] { "GET" }, pathPattern = $"/jobs/{jobs[0]}$" });
        var failed = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);
        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}/faults")).EnsureSuccessStatusCode();
        var before = await DetailCallsAsync(tenant);
        var retried = await _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Incremental);

        failed!.Updated.ShouldBe(1, "job 1 was stored; job 0 could not be read");
        failed.Error.ShouldNotBeNull();
        retried!.Updated.ShouldBe(1);
        (await DetailCallsAsync(tenant) - before).ShouldBe(1, "only job 0 is fetched again");
        await using var db = _harness.Db();
        (await db.JobOffers.SingleAsync(o => o.SrJobId == jobs[0])).Title.ShouldBe("Offre 0 (modifiée)");
    }

    [Fact]
    public async Task An_edit_of_the_connection_during_a_sync_neither_fails_the_sync_nor_is_overwritten_by_it()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(3);
        await tenant.SetFaultsAsync(new { latencyMs = 400, pathPattern = "^/jobs" });

        var sync = _harness.Get<JobSync>().RunOnceAsync(id, SyncKind.Full);
        while ((await tenant.StatsAsync())["requests"]!.GetValue<long>() < 2)
        {
            await Task.Delay(20); // until the listing is under way
        }

        // An account manager renames the connection and a probe runs while the sync is in flight.
        (await _harness.Get<ConnectionService>().UpdateSettingsAsync(id, new ConnectionSettings(CustomerName: "Renamed during the sync"), "am:camille")).ShouldNotBeNull();
        var run = await sync;

        run!.Complete.ShouldBeTrue();
        run.Created.ShouldBe(3);
        await using var db = _harness.Db();
        var connection = await db.Connections.SingleAsync(c => c.Id == id);
        connection.CustomerName.ShouldBe("Renamed during the sync");
        connection.SyncWatermark.ShouldNotBeNull("the sync's own state was stored too");
        (await db.JobOffers.CountAsync(o => o.ConnectionId == id)).ShouldBe(3);
    }

    [Fact]
    public async Task A_sync_that_fails_after_its_run_was_claimed_leaves_a_finished_run_with_the_reason()
    {
        var (tenant, id, _) = await ConnectedTenantAsync(1);
        await tenant.SetFaultsAsync(new { latencyMs = 2000, pathPattern = "^/jobs" });
        var queued = await _harness.Get<JobSync>().QueueAsync(id, SyncKind.Full, "test");
        using var stopping = new CancellationTokenSource();

        // The node stops while the run is in flight (claimed, its listing under way).
        var running = _harness.Get<JobSync>().RunQueuedAsync(queued.Id, stopping.Token);
        while ((await tenant.StatsAsync())["requests"]!.GetValue<long>() < 2)
        {
            await Task.Delay(20);
        }

        await stopping.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => running);

        await using var db = _harness.Db();
        var run = await db.SyncRuns.SingleAsync(r => r.Id == queued.Id);
        run.State.ShouldBe(SyncRunState.Finished);
        run.Complete.ShouldBeFalse();
        run.Error.ShouldNotBeNull().ShouldContain("interrupted");
    }
}
