using Passerelle.Testing;

namespace Passerelle.Cli.Tests;

[Collection(SharedServer.Name)]
public sealed class JobAndApplicationCommandTests(CliServer server)
{
    [Fact]
    public async Task Sync_wait_prints_the_finished_run_with_its_counts_and_the_jobs_are_listed()
    {
        var (tenant, job) = await server.TenantAsync("Préparateur de commandes (H/F)");
        var name = Onboarding.Name("Sync");
        (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();

        var sync = (await server.RunAsync("jobs", "sync", name, "--full", "--wait")).ShouldSucceed();
        sync.Out.ShouldContain("State:");
        sync.Out.ShouldContain("Finished");
        sync.Out.ShouldContain("Created:");
        sync.Out.ShouldContain("The sync finished.");

        var list = (await server.RunAsync("jobs", "list", name)).ShouldSucceed();
        list.Out.ShouldContain(job);
        list.Out.ShouldContain("Préparateur de commandes (H/F)");

        // By title, in another case.
        var shown = (await server.RunAsync("jobs", "show", name, "préparateur de commandes (h/f)")).ShouldSucceed();
        shown.Out.ShouldContain(job);

        var json = (await server.RunAsync("jobs", "list", name, "--json")).ShouldSucceed();
        json.Json["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ShouldBe([job]);
    }

    [Fact]
    public async Task Sync_without_wait_answers_with_the_queued_run_and_where_to_follow_it()
    {
        var (tenant, _) = await server.TenantAsync("Cariste (H/F)");
        var name = Onboarding.Name("Sync later");
        (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();

        var run = (await server.RunAsync("jobs", "sync", name, "--json")).ShouldSucceed();

        // The queued run, or the one already waiting (the connection's first sync may be, and is then returned).
        run.Json["state"]!.GetValue<string>().ShouldBe("Queued");
        run.Json["kind"]!.GetValue<string>().ShouldBeOneOf("Incremental", "Full");
        var followed = (await server.RunAsync("jobs", "sync", name)).ShouldSucceed();
        followed.Out.ShouldContain("/sync-runs/");
    }

    [Fact]
    public async Task An_unknown_job_exits_3_and_suggests_the_closest_title()
    {
        var (_, name, _, _) = await Onboarding.SyncedAsync(server, "Chef de rayon (H/F)");

        var run = await server.RunAsync("jobs", "show", name, "Chef de rayons (H/F)");

        run.ExitCode.ShouldBe(ExitCodes.NotFound, run.ToString());
        run.Error.ShouldContain("Did you mean 'Chef de rayon (H/F)'?");
    }

    [Fact]
    public async Task An_applicant_applied_with_a_pdf_is_delivered_and_listed_shown_and_watched()
    {
        var (connectionId, name, job, tenant) = await Onboarding.SyncedAsync(server, "Conseiller de vente (H/F)");
        var cv = Path.Combine(TestDirectories.New("cv"), "cv.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(41, 4096, "cli-apply"));

        var applied = (await server.RunAsync("apply", name, job, "--cv", cv, "--first-name", "Chloé", "--last-name", "Bernard", "--email", "chloe@example.fr",
            "--consent-text", "J'accepte que mes données soient transmises à l'employeur.", "--idempotency-key", "cli-" + Guid.NewGuid())).ShouldSucceed();
        applied.Out.ShouldContain("Status URL:");
        applied.Out.ShouldNotContain("Chloé");
        applied.Out.ShouldNotContain("chloe@example.fr");
        var id = applied.Out.Split('\n').Single(l => l.StartsWith("Application:", StringComparison.Ordinal))["Application:".Length..].Trim();
        applied.Out.ShouldContain($"/api/v1/applications/{id}");

        var watched = (await server.RunAsync("applications", "watch", id)).ShouldSucceed();
        watched.Out.ShouldContain("Delivered");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);

        var list = (await server.RunAsync("applications", "list", name, "--state", "Delivered,Failed", "--json")).ShouldSucceed();
        list.Json["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()).ShouldBe([id]);
        list.Json["items"]![0]!["connectionId"]!.GetValue<string>().ShouldBe(connectionId);

        var shown = (await server.RunAsync("applications", "show", id)).ShouldSucceed();
        shown.Out.ShouldContain("Delivered");
        shown.Out.ShouldContain("attach-resume");
        shown.Out.ShouldNotContain("Bernard");

        var none = (await server.RunAsync("applications", "list", name, "--state", "Failed")).ShouldSucceed();
        none.Out.ShouldContain("0 application(s).");
    }

    [Fact]
    public async Task Watching_a_connection_prints_a_new_application_s_changes_until_stopped()
    {
        var (connectionId, name, job, tenant) = await Onboarding.SyncedAsync(server, "Hôte de caisse (H/F)");
        var cv = Path.Combine(TestDirectories.New("cv"), "cv.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(42, 4096, "cli-watch"));

        // SR takes 2 s to create the candidate: the application is still moving when the watch starts, however late.
        await tenant.SetFaultsAsync(new { latencyMs = 2000, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        using var stop = new CancellationTokenSource();
        var watching = new CliRunner(server).RunAsync(["applications", "watch", name, "--json"], cancellationToken: stop.Token);

        var applied = (await server.RunAsync("--json", "apply", connectionId, job, "--cv", cv, "--first-name", "A", "--last-name", "B", "--email", "a@example.org",
            "--consent-text", "Oui")).ShouldSucceed();
        var id = applied.Json["id"]!.GetValue<string>();
        var delivered = false;
        for (var i = 0; i < 300 && !delivered; i++)
        {
            delivered = (await server.RunAsync("applications", "show", id, "--json")).Json["state"]!.GetValue<string>() == "Delivered";
            await Task.Delay(100);
        }

        delivered.ShouldBeTrue();
        await Task.Delay(500);
        await stop.CancelAsync();
        var run = await watching;

        run.ExitCode.ShouldBe(0, run.ToString());
        var states = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .Where(a => a["id"]!.GetValue<string>() == id).Select(a => a["state"]!.GetValue<string>()).ToList();
        states.Count.ShouldBeGreaterThan(1, string.Join(", ", states));
        states[^1].ShouldBe("Delivered");
    }

    [Fact]
    public async Task Erase_needs_yes_when_nobody_can_confirm_and_retry_refuses_a_delivered_application()
    {
        var (_, name, job, _) = await Onboarding.SyncedAsync(server, "Employé libre-service (H/F)");
        var cv = Path.Combine(TestDirectories.New("cv"), "cv.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(43, 4096, "cli-erase"));
        var id = (await server.RunAsync("--json", "apply", name, job, "--cv", cv, "--first-name", "A", "--last-name", "B", "--email", "a@example.org",
            "--consent-text", "Oui")).ShouldSucceed().Json["id"]!.GetValue<string>();
        (await server.RunAsync("applications", "watch", id)).ShouldSucceed();

        var retry = await server.RunAsync("applications", "retry", id);
        retry.ExitCode.ShouldBe(ExitCodes.Conflict, retry.ToString());

        var unconfirmed = await server.RunAsync("applications", "erase", id);
        unconfirmed.ExitCode.ShouldBe(ExitCodes.Usage);
        unconfirmed.Error.ShouldContain("--yes");

        var erased = (await server.RunAsync("applications", "erase", id, "--yes", "--json")).ShouldSucceed();
        erased.Json["erasedAt"]!.GetValue<string>().ShouldNotBeNullOrEmpty();

        var unknown = await server.RunAsync("applications", "show", Guid.NewGuid().ToString());
        unknown.ExitCode.ShouldBe(ExitCodes.NotFound);
    }

    [Fact]
    public async Task Watching_an_id_that_is_neither_an_application_nor_a_connection_exits_3()
    {
        var id = Guid.NewGuid().ToString();

        var run = await server.RunAsync("applications", "watch", id);

        run.ExitCode.ShouldBe(ExitCodes.NotFound);
        run.Error.ShouldContain($"No application and no connection has the id {id}");
    }

    [Fact]
    public async Task Lists_follow_the_api_s_pages_up_to_the_limit()
    {
        var (tenant, first) = await server.TenantAsync("Job 1");
        var jobs = new List<string> { first, await tenant.AddJobIdAsync("Job 2"), await tenant.AddJobIdAsync("Job 3") };
        var name = Onboarding.Name("Pages");
        (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();
        (await server.RunAsync("jobs", "sync", name, "--full", "--wait")).ShouldSucceed();
        var paged = new CliRunner(server) { PageSize = 2 };

        var all = (await paged.RunAsync(["jobs", "list", name, "--json"])).ShouldSucceed();
        // Synced in parallel, so not necessarily in SR's order; each exactly once.
        all.Json["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ShouldBe(jobs, ignoreOrder: true);

        var two = (await paged.RunAsync(["jobs", "list", name, "--limit", "2", "--json"])).ShouldSucceed();
        two.Json["items"]!.AsArray().Count.ShouldBe(2);

        // A title is looked up through every page.
        (await paged.RunAsync(["jobs", "show", name, "job 3"])).ShouldSucceed().Out.ShouldContain(jobs[2]);
    }

    [Fact]
    public async Task An_application_in_review_watches_to_exit_1_refuses_an_unconfirmed_retry_and_is_marked_delivered()
    {
        var (_, name, job, tenant) = await Onboarding.SyncedAsync(server, "Vendeur en boulangerie (H/F)");
        await tenant.SetFaultsAsync(new { script = new[] { "commit-then-drop" }, methods = new[] { "POST" }, pathPattern = "/candidates$" });
        var cv = Path.Combine(TestDirectories.New("cv"), "cv.pdf");
        await File.WriteAllBytesAsync(cv, PdfFiles.Random(44, 4096, "cli-review"));
        var id = (await server.RunAsync("--json", "apply", name, job, "--cv", cv, "--first-name", "A", "--last-name", "B", "--email", "lost@example.org",
            "--consent-text", "Oui")).ShouldSucceed().Json["id"]!.GetValue<string>();

        var watched = await server.RunAsync("applications", "watch", id);
        watched.ExitCode.ShouldBe(ExitCodes.Failed, watched.ToString());
        watched.Out.ShouldContain("NeedsReview");
        watched.Out.ShouldContain("Fix:");

        var refused = await server.RunAsync("applications", "retry", id);
        refused.ExitCode.ShouldBe(ExitCodes.Conflict);
        refused.Error.ShouldContain("application.confirm_may_duplicate");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);

        var candidate = (await tenant.CandidatesAsync()).Single()!["id"]!.GetValue<string>();
        var marked = (await server.RunAsync("applications", "mark-delivered", id, "--candidate-id", candidate)).ShouldSucceed();
        marked.Out.ShouldContain("Delivered");
        (await server.RunAsync("applications", "show", id, "--json")).Json["srCandidateId"]!.GetValue<string>().ShouldBe(candidate);
    }

    [Fact]
    public async Task A_platform_key_works_with_connection_ids_and_is_told_to_use_them_instead_of_names()
    {
        var (connectionId, name, job, _) = await Onboarding.SyncedAsync(server, "Poissonnier (H/F)");
        var key = (await server.RunAsync("keys", "create", "--name", Onboarding.Name("platform"), "--role", "platform", "--json")).ShouldSucceed().Json["key"]!.GetValue<string>();
        var platform = server.Cli(key);

        (await platform.RunAsync(["jobs", "list", connectionId])).ShouldSucceed().Out.ShouldContain(job);

        var byName = await platform.RunAsync(["jobs", "list", name]);
        byName.ExitCode.ShouldBe(ExitCodes.Auth);
        byName.Error.ShouldContain("Give the connection's id instead");
    }
}
