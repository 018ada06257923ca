using System.Net.Http.Json;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

/// <summary>Every answer (or its absence) becomes an outcome that says what is safe to do next.</summary>
public sealed class OutcomeTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    /// <summary>Faults aimed at candidate creation only (the token request would otherwise take the first one).</summary>
    private const string Creates = "/candidates$";

    private async Task<(Tenant Tenant, ClientHarness Harness, SrCredential Credential, string JobId)> ArrangeAsync(object? faults = null)
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        if (faults is not null)
        {
            await tenant.SetFaultsAsync(faults);
        }

        var harness = ClientHarness.For(sandbox);
        return (tenant, harness, harness.Credential(tenant), jobId);
    }

    private static async Task<long> RequestsAsync(Tenant tenant, string endpoint) =>
        (await tenant.StatsAsync())["endpoints"]?[endpoint]?["requests"]?.GetValue<long>() ?? 0;

    [Fact]
    public async Task The_before_send_hook_runs_once_before_the_create_leaves_and_a_throwing_hook_sends_nothing()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "503" }, pathPattern = Creates });
        await using var _ = harness;
        var calls = 0;
        long seenBeforeSend = -1;

        // In process the 503 came after the body left: in doubt, not retried; the hook ran once, before anything reached SR.
        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant(), async _ =>
        {
            calls++;
            seenBeforeSend = await RequestsAsync(tenant, "POST /jobs/{id}/candidates");
        });
        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        calls.ShouldBe(1);
        seenBeforeSend.ShouldBe(0);

        await Should.ThrowAsync<InvalidOperationException>(() =>
            harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant(), _ => throw new InvalidOperationException("changed meanwhile")));
        (await RequestsAsync(tenant, "POST /jobs/{id}/candidates")).ShouldBe(1);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_before_send_hook_does_not_run_when_no_token_could_be_had()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync();
        await using var _ = harness;
        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null)).EnsureSuccessStatusCode();
        var calls = 0;

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant(), _ =>
        {
            calls++;
            return ValueTask.CompletedTask;
        });

        outcome.Kind.ShouldBe(SrOutcomeKind.CredentialsRejected);
        calls.ShouldBe(0);
    }

    [Fact]
    public async Task A_created_candidate_is_a_success_with_its_sr_id()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync();
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant());

        outcome.IsSuccess.ShouldBeTrue(outcome.ToString());
        outcome.Value!.Id.ShouldBe((await tenant.CandidatesAsync()).Single().Str("id"));
        outcome.Value.PrimaryAssignment!.Job!.Id.ShouldBe(jobId);
        outcome.StatusCode.ShouldBe(201);
    }

    [Fact]
    public async Task Commit_then_drop_is_in_doubt_and_never_resent()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "commit-then-drop" }, pathPattern = Creates });
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        (await tenant.CandidatesAsync()).Count.ShouldBe(1, "SR did create the candidate");
        (await RequestsAsync(tenant, "POST /jobs/{id}/candidates")).ShouldBe(1, "an in-doubt create is never re-sent");
    }

    [Fact]
    public async Task In_process_a_reset_after_the_body_was_sent_is_in_doubt()
    {
        // The test server has no Expect: 100-continue, so the body always leaves before the reset: in doubt.
        var (tenant, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "reset" }, pathPattern = Creates });
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        (await RequestsAsync(tenant, "POST /jobs/{id}/candidates")).ShouldBe(1);
    }

    [Fact]
    public async Task A_500_on_a_create_is_in_doubt_and_so_is_a_503_once_the_body_has_left()
    {
        // In process the body always leaves before the answer (no 100-continue): a 503 could come from a proxy
        // that forwarded it. SocketTests shows the 503 that SR gives before reading the body being retried.
        var (tenant, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "500", "503" }, pathPattern = Creates });
        await using var _ = harness;

        var failed = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant("one@example.org"));
        var unavailable = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant("two@example.org"));

        failed.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        failed.StatusCode.ShouldBe(500);
        unavailable.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        unavailable.StatusCode.ShouldBe(503);
        (await RequestsAsync(tenant, "POST /jobs/{id}/candidates")).ShouldBe(2, "neither is re-sent");
    }

    [Fact]
    public async Task A_caller_that_gives_up_after_the_body_left_gets_in_doubt_not_an_exception()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "commit-then-hang" }, pathPattern = Creates });
        await using var _ = harness;
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant(), cancellationToken: patience.Token);

        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_caller_that_gives_up_on_a_read_gets_the_cancellation()
    {
        var (_, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "hang" }, pathPattern = "^/jobs/" });
        await using var _ = harness;
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Should.ThrowAsync<OperationCanceledException>(() => harness.Client.GetJobAsync(credential, jobId, cancellationToken: patience.Token));
    }

    [Fact]
    public async Task A_token_endpoint_that_is_not_there_is_a_connection_problem_not_a_missing_job()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var harness = ClientHarness.For(sandbox);
        var misconfigured = harness.Credential(tenant) with { BaseUrl = new Uri(harness.BaseUrl, "/v1/") };

        var outcome = await harness.Client.CreateCandidateAsync(misconfigured, jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.CredentialsRejected);
        outcome.Detail!.ShouldContain("base URL");
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rejection_detail_names_sr_codes_but_not_what_was_sent()
    {
        var (_, harness, credential, jobId) = await ArrangeAsync();
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant("ada.lovelace at example"));

        outcome.Kind.ShouldBe(SrOutcomeKind.Rejected);
        outcome.Detail!.ShouldContain("INVALID_EMAIL");
        outcome.Detail!.ShouldNotContain("ada.lovelace");
    }

    [Fact]
    public async Task A_read_is_retried_through_server_errors_and_resets()
    {
        var (_, harness, credential, jobId) = await ArrangeAsync(new { script = new[] { "500", "reset", "502" }, pathPattern = "^/jobs/" });
        await using var __ = harness;

        var outcome = await harness.Client.GetJobAsync(credential, jobId);

        outcome.IsSuccess.ShouldBeTrue(outcome.ToString());
        outcome.Attempts.ShouldBe(4);
        outcome.Value!.RawJson.ShouldContain(jobId);
    }

    [Fact]
    public async Task A_hung_create_times_out_in_doubt()
    {
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await tenant.SetFaultsAsync(new { script = new[] { "commit-then-hang" }, pathPattern = Creates });
        await using var harness = ClientHarness.For(sandbox, o => o.AttemptTimeout = TimeSpan.FromSeconds(1));

        var outcome = await harness.Client.CreateCandidateAsync(harness.Credential(tenant), jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        outcome.Detail!.ShouldContain("timeout");
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Sr_refusals_are_rejected_with_sr_error_codes()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync();
        await using var _ = harness;
        var filled = await tenant.AddJobIdAsync(status: "FILLED");

        var invalid = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant("not an email"));
        var closed = await harness.Client.CreateCandidateAsync(credential, filled, TestData.Applicant());
        var missing = await harness.Client.CreateCandidateAsync(credential, Guid.NewGuid().ToString(), TestData.Applicant());

        invalid.Kind.ShouldBe(SrOutcomeKind.Rejected);
        invalid.StatusCode.ShouldBe(400);
        invalid.Errors.ShouldContain(e => e.Code == "INVALID_EMAIL");
        closed.Kind.ShouldBe(SrOutcomeKind.Rejected);
        closed.StatusCode.ShouldBe(422);
        missing.Kind.ShouldBe(SrOutcomeKind.NotFound);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_scope_and_a_missing_api_feature_are_forbidden_with_the_reason()
    {
        var (tenant, harness, credential, jobId) = await ArrangeAsync();
        await using var _ = harness;
        (await tenant.Http().PutAsJsonAsync($"/_sandbox/credentials/{tenant.ClientId}/scopes", new { scopes = new[] { "jobs_read" } })).EnsureSuccessStatusCode();

        var scope = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant());
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/companies/{tenant.Company}", new { apiAccess = false })).EnsureSuccessStatusCode();
        var feature = await harness.Client.GetJobAsync(credential, jobId);

        scope.Kind.ShouldBe(SrOutcomeKind.Forbidden);
        scope.Forbidden.ShouldBe(SrForbiddenReason.ScopeMissing);
        scope.MissingScope.ShouldBe("candidates_create");
        feature.Kind.ShouldBe(SrOutcomeKind.Forbidden);
        feature.Forbidden.ShouldBe(SrForbiddenReason.ApiAccessDisabled);
    }
}
