using System.Net;
using System.Net.Sockets;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

/// <summary>
/// The client against the sandbox as its own process: real sockets, real Kestrel, Expect: 100-continue honoured,
/// so the difference between "reset before SR read the body" and "reset after" is what a client really sees.
/// </summary>
public sealed class SocketTests : IAsyncLifetime
{
    private const string Creates = "/candidates$";
    private SandboxProcess _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxProcess.StartAsync("--seed", "none", "--rate", "100000", "--concurrency", "1000");

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    /// <summary>A company with one job, the given faults on its credential, and a client.</summary>
    private async Task<(Tenant Tenant, string JobId, ClientHarness Harness)> ArrangeAsync(object faults)
    {
        var tenant = await _sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await tenant.SetFaultsAsync(faults);
        return (tenant, jobId, ClientHarness.For(_sandbox));
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("503")]
    public async Task A_failure_before_the_body_was_read_is_not_sent_and_retried_safely(string fault)
    {
        var (tenant, jobId, harness) = await ArrangeAsync(new { script = new[] { fault }, pathPattern = Creates });
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(harness.Credential(tenant), jobId, TestData.Applicant());

        outcome.IsSuccess.ShouldBeTrue(outcome.ToString());
        outcome.Attempts.ShouldBe(2);
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Resets_on_every_attempt_end_as_not_sent_with_nothing_created()
    {
        var (tenant, jobId, harness) = await ArrangeAsync(new { resetRate = 1.0, pathPattern = Creates });
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(harness.Credential(tenant), jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.NotSent);
        outcome.Attempts.ShouldBe(4);
        (await tenant.CandidatesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Commit_then_drop_over_sockets_is_in_doubt_and_not_resent()
    {
        var (tenant, jobId, harness) = await ArrangeAsync(new { script = new[] { "commit-then-drop" }, pathPattern = Creates });
        await using var _ = harness;

        var outcome = await harness.Client.CreateCandidateAsync(harness.Credential(tenant), jobId, TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.InDoubt);
        (await tenant.CandidatesAsync()).Count.ShouldBe(1);
        (await tenant.StatsAsync())["endpoints"]!["POST /jobs/{id}/candidates"]!["requests"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task A_streamed_upload_interrupted_before_it_was_read_is_resent_from_a_fresh_stream()
    {
        var tenant = await _sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var harness = ClientHarness.For(_sandbox);
        var credential = harness.Credential(tenant);
        var candidate = await harness.Client.CreateCandidateAsync(credential, jobId, TestData.Applicant());
        await tenant.SetFaultsAsync(new { script = new[] { "reset" }, pathPattern = "/attachments$" });
        var (file, sha, opens) = TestData.TempFile(3 * 1024 * 1024);

        var outcome = await harness.Client.AttachAsync(credential, candidate.Value!.Id, jobId, Wire.SrAttachmentType.Resume, file);

        outcome.IsSuccess.ShouldBeTrue(outcome.ToString());
        opens().ShouldBe(2, "each attempt opens the file afresh");
        var stored = (await tenant.CandidatesAsync()).Single()!["attachments"]!.AsArray().Single()!;
        stored.Str("sha256").ShouldBe(sha);
        stored.Str("type").ShouldBe("RESUME");
    }

    [Fact]
    public async Task A_refused_connection_is_not_sent()
    {
        var tenant = await _sandbox.NewTenantAsync();
        await using var harness = ClientHarness.For(_sandbox, o => o.MaxAttempts = 2);
        var nowhere = new SrCredential("conn-nowhere", new Uri($"http://127.0.0.1:{FreePort()}"), tenant.ClientId, new InMemorySecret(tenant.ClientSecret));

        var outcome = await harness.Client.CreateCandidateAsync(nowhere, Guid.NewGuid().ToString(), TestData.Applicant());

        outcome.Kind.ShouldBe(SrOutcomeKind.NotSent);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
