using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Core.Persistence;
using Passerelle.Core.Webhooks;
using Passerelle.Testing;
using static Passerelle.Server.Tests.Applications;

namespace Passerelle.Server.Tests;

/// <summary>
/// Applicants through the running server to the in-process sandbox: each outcome class of the SR client ends where
/// DESIGN.md's table says, with exactly the candidates in SR it should leave.
/// </summary>
public sealed class ApplicationDeliveryTests(ApplicationServerFactory factory) : IClassFixture<ApplicationServerFactory>
{
    private ServerFactory Server => factory.Server;

    [Fact]
    public async Task An_applicant_reaches_sr_on_the_job_with_tags_cv_and_cover_letter_and_an_event_is_written()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var platform = await PlatformAsync(Server);
        var cv = Pdf(1);
        var letter = Encoding.UTF8.GetBytes("Madame, Monsieur,\nje souhaite rejoindre votre équipe.\n");

        var response = await SubmitAsync(platform, connection, jobs[0], Form(Applicant("chloe@example.fr", "board-1"), cv, coverLetter: letter));
        var accepted = await response.ShouldBeJsonAsync(HttpStatusCode.Accepted);
        var id = accepted.Str("id");
        response.Headers.Location!.OriginalString.ShouldBe($"/api/v1/applications/{id}");
        accepted.Str("statusUrl").ShouldBe($"/api/v1/applications/{id}");

        var delivered = await WaitAsync(platform, id, "Delivered");
        var candidates = await tenant.CandidatesAsync();
        var candidate = candidates.ShouldHaveSingleItem()!;
        delivered.Str("srCandidateId").ShouldBe(candidate.Str("id"));
        candidate.Str("email").ShouldBe("chloe@example.fr");
        candidate["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["hippolyte-rh", "cariste", "indeed"], ignoreOrder: true);
        var attachments = candidate["attachments"]!.AsArray();
        attachments.Single(a => a.Str("type") == "RESUME").Str("sha256").ShouldBe(Sha256(cv));
        attachments.Single(a => a.Str("type") == "COVER_LETTER").Str("sha256").ShouldBe(Sha256(letter));
        Steps(delivered).Select(s => s.Str("step")).ShouldBe(["accepted", "create", "attach-resume", "attach-cover-letter"]);
        delivered["lastError"].ShouldBeNull();
        delivered["files"]!.AsArray().Select(f => f.Str("sha256")).ShouldBe([Sha256(cv), Sha256(letter)]);

        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var events = await db.OutboxEvents.Where(e => e.Type == EventTypes.ApplicationDelivered).ToListAsync();
        var payload = JsonNode.Parse(events.Single(e => e.Payload.Contains(id, StringComparison.Ordinal)).Payload)!;
        payload.Str("srCandidateId").ShouldBe(candidate.Str("id"));
        payload.Str("externalId").ShouldBe("board-1");
        events.ShouldAllBe(e => !e.Payload.Contains("chloe@example.fr", StringComparison.Ordinal) && !e.Payload.Contains("Bernard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attachment_sr_failed_is_retried_after_a_backoff_and_the_cv_arrives_on_the_one_candidate()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        // An upload is a create for the client (never re-sent inline once its body left): each 503 is one attempt of the application.
        await tenant.SetFaultsAsync(new { script = new[] { "503", "503", "503", "503" }, methods = new[] { "POST" }, pathPattern = "/attachments$" });
        var platform = await PlatformAsync(Server);
        var cv = Pdf(2);

        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("retry@example.fr"), cv));
        var delivered = await WaitAsync(platform, id, "Delivered");

        var candidate = (await tenant.CandidatesAsync()).ShouldHaveSingleItem()!;
        candidate["attachments"]!.AsArray().Single(a => a.Str("type") == "RESUME").Str("sha256").ShouldBe(Sha256(cv));
        Steps(delivered).Where(s => s.Str("step") == "attach-resume").Select(s => s.Str("outcome")).ShouldBe(["in-doubt", "in-doubt", "in-doubt", "in-doubt", "success"]);
        Steps(delivered).Count(s => s.Str("step") == "create").ShouldBe(1);
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_parked_for_review_with_one_candidate_in_sr_and_can_be_marked_delivered()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        await tenant.SetFaultsAsync(new { script = new[] { "commit-then-drop" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var platform = await PlatformAsync(Server);

        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("lost@example.fr"), Pdf(3)));
        var parked = await WaitAsync(platform, id, "NeedsReview");
        parked["lastError"].Str("code").ShouldBe("sr.create_in_doubt");
        parked["lastError"].Str("remedy").ShouldContain("confirmMayDuplicate");
        var candidate = (await tenant.CandidatesAsync()).ShouldHaveSingleItem()!;

        // Never re-sent by itself; a retry without the confirmation is refused.
        var admin = Server.Admin();
        var refused = await (await admin.PostAsJsonAsync($"/api/v1/applications/{id}/retry", new { })).ShouldBeJsonAsync(HttpStatusCode.Conflict);
        refused.Str("code").ShouldBe("application.confirm_may_duplicate");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);

        // The account manager found it in SR.
        var marked = await (await admin.PostAsJsonAsync($"/api/v1/applications/{id}/mark-delivered", new { srCandidateId = candidate.Str("id") }))
            .ShouldBeJsonAsync(HttpStatusCode.OK);
        marked.Str("state").ShouldBe("Delivered");
        marked.Str("srCandidateId").ShouldBe(candidate.Str("id"));
        Steps(marked).Last().Str("step").ShouldBe("mark-delivered");
        (await admin.PostAsJsonAsync($"/api/v1/applications/{id}/mark-delivered", new { srCandidateId = candidate.Str("id") })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await admin.PostAsJsonAsync($"/api/v1/applications/{id}/mark-delivered", new { srCandidateId = "other" })).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("application.already_delivered");
    }

    [Fact]
    public async Task A_review_retried_with_confirmation_is_sent_again_from_the_create()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        await tenant.SetFaultsAsync(new { script = new[] { "500" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var platform = await PlatformAsync(Server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("confirm@example.fr"), Pdf(4)));
        (await WaitAsync(platform, id, "NeedsReview"))["lastError"].Str("code").ShouldBe("sr.create_in_doubt");
        // The 500 was not processed by SR: nothing there, so the person confirms.
        (await tenant.CandidatesAsync()).ShouldBeEmpty();

        var retried = await (await Server.Admin().PostAsJsonAsync($"/api/v1/applications/{id}/retry", new { confirmMayDuplicate = true })).ShouldBeJsonAsync(HttpStatusCode.OK);
        retried.Str("state").ShouldBeOneOf("Queued", "Creating", "CandidateCreated", "ResumeAttached", "Delivered");
        await WaitAsync(platform, id, "Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
        // Retrying a delivered application is refused; retrying twice while queued changes nothing.
        (await (await Server.Admin().PostAsJsonAsync($"/api/v1/applications/{id}/retry", new { confirmMayDuplicate = true })).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("application.already_delivered");
    }

    [Fact]
    public async Task An_idle_connection_has_a_quiet_round_and_its_lane_does_not_back_off()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, _) = await OnboardAsync(Server, tenant);
        var id = new Core.Connections.ConnectionId(Guid.Parse(connection));

        var round = await Server.Services.GetRequiredService<Core.Applications.DeliveryPump>().RunOnceAsync(id, "test", probe: false, CancellationToken.None);

        round.ShouldBe(Core.Applications.DeliveryRound.Idle(null));
        var lane = await SandboxFactory.ReadAsync(await Server.Admin().GetAsync($"/api/v1/connections/{connection}/lane"));
        lane["deliveryResumeAt"].ShouldBeNull(lane.ToJsonString());
    }

    [Fact]
    public async Task A_job_closed_in_sr_after_intake_fails_the_application_with_the_reason_in_plain_words()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        // SR closes the job; Passerelle has not synced since, so intake still takes the application.
        (await tenant.Http().PatchAsync($"/_sandbox/jobs/{jobs[0]}", Tenant.Json("""{"status":"FILLED"}"""))).EnsureSuccessStatusCode();
        var platform = await PlatformAsync(Server);

        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("late@example.fr"), Pdf(5)));
        var failed = await WaitAsync(platform, id, "Failed");

        failed["lastError"].Str("code").ShouldBe("sr.job_not_accepting");
        failed["lastError"].Str("message").ShouldContain("not accepting candidates");
        failed["lastError"].Str("remedy").ShouldNotBeNullOrWhiteSpace();
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        (await db.OutboxEvents.Where(e => e.Type == EventTypes.ApplicationFailed).ToListAsync()).ShouldContain(e => e.Payload.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_deleted_in_sr_after_intake_fails_the_application_as_not_found()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        (await tenant.Http().DeleteAsync($"/_sandbox/jobs/{jobs[0]}")).EnsureSuccessStatusCode();
        var platform = await PlatformAsync(Server);

        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("gone@example.fr"), Pdf(14)));

        var failed = await WaitAsync(platform, id, "Failed");
        failed["lastError"].Str("code").ShouldBe("sr.job_not_found");
        Steps(failed).Last().Str("outcome").ShouldBe("not-found");
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_scope_pauses_the_connection_and_the_application_waits_then_goes_once_fixed()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        (await tenant.Http().PutAsJsonAsync($"/_sandbox/credentials/{tenant.ClientId}/scopes", new { scopes = new[] { "jobs_read" } })).EnsureSuccessStatusCode();
        var platform = await PlatformAsync(Server);
        var admin = Server.Admin();

        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("scope@example.fr"), Pdf(6)));
        var health = await LaneTests.EventuallyAsync(async () =>
            await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{connection}")) is { } c && c.Str("status") == "NeedsAttention" ? c : null,
            "the connection to need attention");
        health.Str("attentionReason").ShouldBe("ScopeMissing");
        var waiting = await GetAsync(platform, id);
        waiting.Str("state").ShouldBe("Queued");
        waiting["lastError"].Str("code").ShouldBe("connection.needs_attention");

        // The customer ticks the box again; the account manager re-tests: the lane resumes and delivers.
        (await tenant.Http().PutAsJsonAsync($"/_sandbox/credentials/{tenant.ClientId}/scopes", new { scopes = new[] { "jobs_read", "candidates_create" } }))
            .EnsureSuccessStatusCode();
        (await admin.PostAsync($"/api/v1/connections/{connection}/test", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await WaitAsync(platform, id, "Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_secret_revoked_mid_queue_fails_nothing_and_everything_is_delivered_after_rotation()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var platform = await PlatformAsync(Server);
        // Slow creates, so the queue is still long when the customer regenerates the secret.
        await tenant.SetFaultsAsync(new { latencyMs = 300, methods = new[] { "POST" } });
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await AcceptedAsync(platform, connection, jobs[0], Form(Applicant($"queue{i}@example.fr"), Pdf(100 + i))));
        }

        await WaitAsync(platform, ids[0], "Delivered");
        var regenerated = await SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).EnsureSuccessStatusCode();
        var admin = Server.Admin();
        await LaneTests.EventuallyAsync(async () =>
            await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{connection}")) is { } c && c["attentionReason"]?.GetValue<string>() == "CredentialsInvalid" ? c : null,
            "the connection to need a new secret");

        (await admin.PutAsJsonAsync($"/api/v1/connections/{connection}/secret", new { clientSecret = regenerated.Str("clientSecret") }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var id in ids)
        {
            var delivered = await WaitAsync(platform, id, "Delivered", "Failed", "NeedsReview");
            delivered.Str("state").ShouldBe("Delivered");
        }

        (await tenant.CandidatesAsync()).Count.ShouldBe(8);
    }

    [Fact]
    public async Task Twenty_concurrent_identical_requests_make_one_application_and_a_reused_key_with_another_body_gets_409()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var platform = await PlatformAsync(Server);
        var cv = Pdf(7);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            SubmitAsync(platform, connection, jobs[0], Form(Applicant("twenty@example.fr"), cv), key: "board-42")));
        answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.Accepted);
        var ids = await Task.WhenAll(answers.Select(async a => (await SandboxFactory.ReadAsync(a)).Str("id")));
        ids.Distinct().ShouldHaveSingleItem();
        answers.Count(a => a.Headers.Contains("Idempotent-Replayed")).ShouldBe(19);

        await WaitAsync(platform, ids[0], "Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
            (await db.Applications.CountAsync(a => a.IdempotencyKey == "board-42")).ShouldBe(1);
        }

        var other = await (await SubmitAsync(platform, connection, jobs[0], Form(Applicant("someone.else@example.fr"), cv), key: "board-42"))
            .ShouldBeJsonAsync(HttpStatusCode.Conflict);
        other.Str("code").ShouldBe("idempotency.key_conflict");

        // The external id serves as the key when no header is sent.
        var first = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("ext@example.fr", externalId: "ext-9"), cv));
        (await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("ext@example.fr", externalId: "ext-9"), cv))).ShouldBe(first);
    }

    [Fact]
    public async Task Erasure_removes_personal_data_and_files_and_keeps_an_anonymous_record()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var platform = await PlatformAsync(Server);
        var id = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("erase.me@example.fr"), Pdf(8)));
        var delivered = await WaitAsync(platform, id, "Delivered");

        var erased = await (await platform.DeleteAsync($"/api/v1/applications/{id}")).ShouldBeJsonAsync(HttpStatusCode.OK);
        erased.Str("state").ShouldBe("Delivered");
        erased.Str("srCandidateId").ShouldBe(delivered.Str("srCandidateId"));
        erased["erasedAt"].ShouldNotBeNull();
        erased["files"]!.AsArray().ShouldAllBe(f => f!["deletedAt"] != null);
        Steps(erased).Last().Str("step").ShouldBe("erase");
        (await platform.DeleteAsync($"/api/v1/applications/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        var row = await db.Applications.Include(a => a.Files).SingleAsync(a => a.Id == Guid.Parse(id));
        row.ProtectedApplicant.ShouldBeNull();
        row.Files.ShouldAllBe(f => f.WrappedKey == null && f.ProtectedFileName == null);
        Directory.EnumerateFiles(Path.Combine(Server.DataDirectory, "files"), "*", SearchOption.AllDirectories)
            .ShouldNotContain(f => Path.GetFileName(f).StartsWith(Guid.Parse(id).ToString("N"), StringComparison.Ordinal));
        (await (await Server.Admin().PostAsJsonAsync($"/api/v1/applications/{id}/retry", new { confirmMayDuplicate = true })).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("application.already_delivered");
    }

    [Fact]
    public async Task Intake_refuses_unknown_and_closed_jobs_and_disconnected_connections_and_disconnection_fails_what_waited()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var closed = await tenant.AddJobIdAsync("Poste pourvu", status: "FILLED");
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var platform = await PlatformAsync(Server);

        (await (await SubmitAsync(platform, connection, "no-such-job", Form(Applicant("a@example.fr"), Pdf(9)))).ShouldBeJsonAsync(HttpStatusCode.NotFound))
            .Str("code").ShouldBe("job.not_found");
        (await (await SubmitAsync(platform, connection, closed, Form(Applicant("a@example.fr"), Pdf(9)))).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("job.closed");

        // A general application (no job) is taken too.
        var general = await AcceptedAsync(platform, connection, null, Form(Applicant("general@example.fr"), Pdf(10)));
        (await WaitAsync(platform, general, "Delivered"))["jobId"].ShouldBeNull();

        // Queued behind a paused connection (SR refuses the scope), then the connection is disconnected: both fail
        // with the reason, and nothing reaches SR.
        (await tenant.Http().PutAsJsonAsync($"/_sandbox/credentials/{tenant.ClientId}/scopes", new { scopes = new[] { "jobs_read" } })).EnsureSuccessStatusCode();
        var waiting = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("waiting@example.fr"), Pdf(11)));
        var admin = Server.Admin();
        await LaneTests.EventuallyAsync(async () =>
            await SandboxFactory.ReadAsync(await admin.GetAsync($"/api/v1/connections/{connection}")) is { } c && c.Str("status") == "NeedsAttention" ? c : null,
            "the connection to pause");
        var second = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("waiting2@example.fr"), Pdf(12)));
        (await admin.PostAsJsonAsync($"/api/v1/connections/{connection}/disconnect", new { reason = "Customer left." })).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var id in new[] { waiting, second })
        {
            var ended = await WaitAsync(platform, id, "Failed");
            ended["lastError"].Str("code").ShouldBe("connection.disconnected");
            Steps(ended).Last().Str("step").ShouldBe("disconnected");
        }

        (await tenant.CandidatesAsync()).Count.ShouldBe(1, "only the general application reached SR");
        (await (await SubmitAsync(platform, connection, jobs[0], Form(Applicant("a@example.fr"), Pdf(9)))).ShouldBeJsonAsync(HttpStatusCode.Conflict))
            .Str("code").ShouldBe("connection.disconnected");
    }

    [Fact]
    public async Task Lists_filter_by_state_and_job_and_page_newest_first()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant, jobs: 2);
        var platform = await PlatformAsync(Server);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await AcceptedAsync(platform, connection, jobs[i % 2], Form(Applicant($"list{i}@example.fr"), Pdf(200 + i))));
        }

        foreach (var id in ids)
        {
            await WaitAsync(platform, id, "Delivered");
        }

        var page = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{connection}/applications?limit=2&state=Delivered"));
        page["items"]!.AsArray().Select(a => a.Str("id")).ShouldBe([ids[4], ids[3]]);
        var next = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{connection}/applications?limit=2&state=Delivered&cursor={page.Str("nextCursor")}"));
        next["items"]!.AsArray().Select(a => a.Str("id")).ShouldBe([ids[2], ids[1]]);
        var byJob = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{connection}/applications?jobId={jobs[1]}"));
        byJob["items"]!.AsArray().Select(a => a.Str("id")).ShouldBe([ids[3], ids[1]]);
        var none = await SandboxFactory.ReadAsync(await platform.GetAsync($"/api/v1/connections/{connection}/applications?state=Failed"));
        none["items"]!.AsArray().ShouldBeEmpty();
        (await (await platform.GetAsync($"/api/v1/connections/{connection}/applications?state=Lost")).ShouldBeJsonAsync(HttpStatusCode.BadRequest))
            .Str("code").ShouldBe("validation_failed");

        // Another connection's key sees neither the list nor the application.
        var other = await Server.KeyAsync(Core.ApiClients.ApiRole.Platform, Guid.NewGuid());
        (await other.GetAsync($"/api/v1/applications/{ids[0]}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/api/v1/connections/{connection}/applications")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync($"/api/v1/applications/{ids[0]}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_resume_parsing_mode_lets_sr_create_the_candidate_from_the_cv()
    {
        var tenant = await Server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(Server, tenant);
        var admin = Server.Admin();
        (await (await admin.PatchAsJsonAsync($"/api/v1/connections/{connection}", new { deliveryMode = "ResumeParsing" })).ShouldBeJsonAsync(HttpStatusCode.OK))
            .Str("deliveryMode").ShouldBe("ResumeParsing");
        (await (await admin.PatchAsJsonAsync($"/api/v1/connections/{connection}", new { deliveryMode = "Telepathy" })).ShouldBeJsonAsync(HttpStatusCode.BadRequest))
            .Str("code").ShouldBe("validation_failed");
        var platform = await PlatformAsync(Server);
        var form = Form(Applicant("parsed@example.fr"), Encoding.UTF8.GetBytes("Chloé Bernard\nparsed@example.fr\n+33 6 11 22 33 44\nCariste, 6 ans.\n"), "cv.txt");

        var id = await AcceptedAsync(platform, connection, jobs[0], form);
        var delivered = await WaitAsync(platform, id, "Delivered");

        var candidate = (await tenant.CandidatesAsync()).ShouldHaveSingleItem()!;
        candidate.Str("createdVia").ShouldBe("resume");
        Steps(delivered).Select(s => s.Str("step")).ShouldBe(["accepted", "create", "deliver"]);
    }
}

/// <summary>Retention and orphans: what must not be kept is deleted, keys first.</summary>
public sealed class ApplicationHousekeepingTests
{
    [Fact]
    public async Task Files_of_delivered_applications_past_retention_and_orphaned_files_are_deleted_and_others_kept()
    {
        await using var factory = new ApplicationServerFactory();
        var server = factory.Server;
        server.Settings["Applications:RetainFilesFor"] = "00:00:00";
        var tenant = await server.Sandbox.NewTenantAsync();
        var (connection, jobs) = await OnboardAsync(server, tenant);
        var platform = await PlatformAsync(server);
        var delivered = await AcceptedAsync(platform, connection, jobs[0], Form(Applicant("old@example.fr"), Pdf(50)));
        await WaitAsync(platform, delivered, "Delivered");

        // A file no application owns, as an intake that failed after writing it leaves, an hour old.
        var store = server.Services.GetRequiredService<Core.Applications.Files.EncryptedFileStore>();
        var orphan = await store.WriteAsync(Guid.CreateVersion7().ToString("N") + "-cv", new MemoryStream(Pdf(51)));
        var young = await store.WriteAsync(Guid.CreateVersion7().ToString("N") + "-cv", new MemoryStream(Pdf(52)));
        foreach (var path in Directory.EnumerateFiles(store.RootDirectory, orphan.Name + "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch);
        }

        await using var scope = server.Services.CreateAsyncScope();
        var (expired, orphans) = await scope.ServiceProvider.GetRequiredService<Core.Applications.ApplicationHousekeeping>().RunOnceAsync(CancellationToken.None);

        expired.ShouldBe(1);
        orphans.ShouldBe(1);
        var names = store.List().Select(f => f.Name).ToList();
        names.ShouldNotContain(orphan.Name);
        names.ShouldContain(young.Name);
        var after = await GetAsync(platform, delivered);
        after["files"]!.AsArray().ShouldAllBe(f => f!["deletedAt"] != null);
        Steps(after).Last().Str("step").ShouldBe("files-deleted");
        var db = scope.ServiceProvider.GetRequiredService<PasserelleDbContext>();
        (await db.ApplicationFiles.Where(f => f.ApplicationId == Guid.Parse(delivered)).ToListAsync()).ShouldAllBe(f => f.WrappedKey == null);
        names.ShouldNotContain(n => n.StartsWith(Guid.Parse(delivered).ToString("N"), StringComparison.Ordinal));
    }
}
