using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

public sealed class TokenTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private static async Task<long> TokenRequestsAsync(Tenant tenant) => (await tenant.StatsAsync())["tokenRequests"]!.GetValue<long>();

    [Fact]
    public async Task Five_hundred_concurrent_first_calls_share_one_token_request()
    {
        var tenant = await sandbox.NewTenantAsync();
        // Roomy client limits: this test is about the token, not the rate budget.
        await using var harness = ClientHarness.For(sandbox, o => (o.RequestsPerSecond, o.ConcurrentRequests) = (100_000, 1_000));
        var credential = harness.Credential(tenant);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => harness.Client.GetJobAsync(credential, Guid.NewGuid().ToString())));

        outcomes.ShouldAllBe(o => o.Kind == SrOutcomeKind.NotFound);
        (await TokenRequestsAsync(tenant)).ShouldBe(1);
    }

    [Fact]
    public async Task The_token_is_reused_then_renewed_in_the_background_at_half_its_life()
    {
        var tenant = await sandbox.NewTenantAsync();
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var harness = ClientHarness.For(sandbox, time: clock);
        var credential = harness.Credential(tenant);

        (await harness.Client.ListJobsAsync(credential).ToListAsync()).ShouldBeEmpty();
        clock.Advance(TimeSpan.FromMinutes(14));
        (await harness.Client.ListJobsAsync(credential).ToListAsync()).ShouldBeEmpty();
        (await TokenRequestsAsync(tenant)).ShouldBe(1);

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        (await harness.Client.ListJobsAsync(credential).ToListAsync()).ShouldBeEmpty();
        await Eventually(async () => await TokenRequestsAsync(tenant) == 2);

        // The renewal must be over on the client's side too before the fake clock jumps: a request in flight when
        // the clock moves 15 minutes would see its attempt timeout fire and wait for a backoff that never comes.
        await Eventually(() => Task.FromResult(!harness.IsRequestingToken(credential)));

        // 29 min 55 s: the first token is too close to expiry to send, the renewed one is fresh.
        clock.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(54));
        (await harness.Client.ListJobsAsync(credential).ToListAsync()).ShouldBeEmpty();
        (await TokenRequestsAsync(tenant)).ShouldBe(2, "the renewed token is used");
    }

    [Fact]
    public async Task A_failed_token_request_is_not_cached()
    {
        var tenant = await sandbox.NewTenantAsync();
        await tenant.SetFaultsAsync(new { script = new[] { "503", "503" }, pathPattern = "^/identity/oauth/token$" });
        await using var harness = ClientHarness.For(sandbox, o => o.MaxAttempts = 2);
        var credential = harness.Credential(tenant);

        var first = await harness.Client.GetJobAsync(credential, Guid.NewGuid().ToString());
        var second = await harness.Client.GetJobAsync(credential, Guid.NewGuid().ToString());

        first.Kind.ShouldBe(SrOutcomeKind.NotSent);
        second.Kind.ShouldBe(SrOutcomeKind.NotFound, "the next call asks for a token again and gets one");
        (await TokenRequestsAsync(tenant)).ShouldBe(3);
    }

    [Fact]
    public async Task A_revoked_token_is_renewed_once_and_the_call_goes_through()
    {
        var tenant = await sandbox.NewTenantAsync();
        await using var harness = ClientHarness.For(sandbox);
        var credential = harness.Credential(tenant);
        (await harness.Client.ListJobsAsync(credential).ToListAsync()).ShouldBeEmpty();

        (await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/revoke-tokens", null)).EnsureSuccessStatusCode();
        var listing = harness.Client.ListJobsAsync(credential);
        await listing.ToListAsync();

        listing.IsComplete.ShouldBeTrue();
        (await TokenRequestsAsync(tenant)).ShouldBe(2, "one forced renewal after SR refused the revoked token");
    }

    [Fact]
    public async Task A_deleted_credential_yields_credentials_rejected_without_retrying()
    {
        var tenant = await sandbox.NewTenantAsync();
        await using var harness = ClientHarness.For(sandbox);
        var credential = harness.Credential(tenant);
        (await tenant.Http().DeleteAsync($"/_sandbox/credentials/{tenant.ClientId}")).EnsureSuccessStatusCode();

        var outcome = await harness.Client.GetJobAsync(credential, Guid.NewGuid().ToString());

        outcome.Kind.ShouldBe(SrOutcomeKind.CredentialsRejected);
        outcome.Detail!.ShouldContain("invalid_client");
    }

    [Fact]
    public async Task A_wrong_secret_yields_credentials_rejected_and_neither_secret_nor_token_reaches_the_logs()
    {
        var tenant = await sandbox.NewTenantAsync();
        await using var harness = ClientHarness.For(sandbox);
        var wrong = "wrong-" + Guid.NewGuid();

        var rejected = await harness.Client.GetJobAsync(harness.Credential(tenant, wrong), Guid.NewGuid().ToString());
        var token = await tenant.TokenAsync();
        await harness.Client.GetJobAsync(harness.Credential(tenant), Guid.NewGuid().ToString());

        rejected.Kind.ShouldBe(SrOutcomeKind.CredentialsRejected);
        var logged = string.Join('\n', harness.Logs.GetSnapshot().Select(r => r.Message + " " + string.Join(',', r.StructuredState?.Select(s => s.Value) ?? [])));
        harness.Logs.GetSnapshot().ShouldNotBeEmpty();
        logged.ShouldNotContain(wrong);
        logged.ShouldNotContain(tenant.ClientSecret);
        logged.ShouldNotContain(token);
        harness.Credential(tenant).ToString().ShouldNotContain(tenant.ClientSecret);
    }

    internal static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new ShouldAssertException("The condition never held.");
    }
}

public sealed class TokenEndpointFormatTests
{
    [Fact]
    public async Task The_200_empty_quirk_spares_the_clients_well_formed_token_requests()
    {
        await using var sandbox = new SandboxFactory();
        var tenant = await sandbox.NewTenantAsync();
        (await sandbox.Http().PutAsJsonAsync("/_sandbox/settings", new { emptyTokenResponseQuirk = true })).EnsureSuccessStatusCode();
        await using var harness = ClientHarness.For(sandbox);

        // The quirk answers 200 {} only to malformed requests; the client's are well formed, so it gets a token.
        (await harness.Client.GetJobAsync(harness.Credential(tenant), Guid.NewGuid().ToString())).Kind.ShouldBe(SrOutcomeKind.NotFound);
    }

    [Fact]
    public async Task A_token_response_without_an_access_token_is_a_failure_not_a_token()
    {
        await using var sandbox = new SandboxFactory();
        var tenant = await sandbox.NewTenantAsync();
        var jobId = await tenant.AddJobIdAsync();
        await using var harness = ClientHarness.For(sandbox, inner => new EmptyTokenAnswers(inner));

        var outcome = await harness.Client.GetJobAsync(harness.Credential(tenant), jobId);

        outcome.Kind.ShouldBe(SrOutcomeKind.CredentialsRejected);
        outcome.Detail!.ShouldContain("without an access token");
        (await tenant.StatsAsync())["endpoints"]?["GET /jobs/{id}"].ShouldBeNull("no API call is made without a token");
    }

    /// <summary>SR's documented quirk, forced on every token request: 200 with an empty object.</summary>
    private sealed class EmptyTokenAnswers(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.AbsolutePath.EndsWith("/identity/oauth/token", StringComparison.Ordinal)
                ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
                {
                    Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
                })
                : base.SendAsync(request, cancellationToken);
    }
}
