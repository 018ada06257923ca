using System.Net.Http.Json;
using Passerelle.Core.Connections;
using Passerelle.Testing;

namespace Passerelle.Core.Tests;

/// <summary>Onboarding against the in-process sandbox, on SQLite (the provider does not change what is decided).</summary>
public sealed class ConnectionServiceTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>, IAsyncLifetime
{
    private CoreHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await CoreHarness.CreateAsync(sandbox);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private ConnectionService Service() => _harness.Get<ConnectionService>();

    private async Task<ConnectionWithVerdict> OnboardAsync(Tenant tenant, string? secret = null, string? identifier = null) =>
        await Service().CreateAsync(new ConnectionDraft($"Connection {Guid.NewGuid():N}", "Customer", identifier ?? tenant.Company, tenant.ClientId,
            secret ?? tenant.ClientSecret, sandbox.Server.BaseAddress, ["hippolyte-rh"]), "am:camille");

    private async Task<Tenant> TenantWithPublicJobAsync(params string[] scopes)
    {
        var tenant = await sandbox.NewTenantAsync(scopes);
        await tenant.AddJobIdAsync();
        return tenant;
    }

    [Fact]
    public async Task The_exact_credential_becomes_active_with_no_problem_or_warning()
    {
        var tenant = await TenantWithPublicJobAsync();

        var (connection, verdict) = await OnboardAsync(tenant);

        connection.Status.ShouldBe(ConnectionStatus.Active);
        verdict.Problems.ShouldBeEmpty();
        verdict.Warnings.ShouldBeEmpty();
        connection.LastProbeJson.ShouldNotBeNull().ShouldContain("\"jobs_read\":\"Held\"");
        (await tenant.CandidatesAsync()).ShouldBeEmpty("onboarding creates nothing in SmartRecruiters");
    }

    [Fact]
    public async Task Extra_scopes_leave_it_active_with_a_least_privilege_warning_naming_the_sr_prompt()
    {
        var tenant = await TenantWithPublicJobAsync("jobs_read", "candidates_create", "candidates_read");

        var (connection, verdict) = await OnboardAsync(tenant);

        connection.Status.ShouldBe(ConnectionStatus.Active);
        verdict.Warnings.Single().Code.ShouldBe("extra_scope:candidates_read");
        verdict.Warnings.Single().Remedy.ShouldContain("untick 'Access Candidates'");
    }

    [Fact]
    public async Task A_missing_scope_needs_attention_with_the_box_to_tick()
    {
        var tenant = await TenantWithPublicJobAsync("candidates_create");

        var (connection, verdict) = await OnboardAsync(tenant);

        connection.Status.ShouldBe(ConnectionStatus.NeedsAttention);
        connection.AttentionReason.ShouldBe(AttentionReason.ScopeMissing);
        verdict.Problems.Single().Remedy.ShouldContain("edit 'OAuth Hippolyte-rh' and tick 'Access Jobs'");
    }

    [Fact]
    public async Task Wrong_credentials_a_disabled_api_and_a_wrong_identifier_each_get_their_reason()
    {
        var wrong = await TenantWithPublicJobAsync();
        var disabled = await TenantWithPublicJobAsync();
        (await disabled.Http().PatchAsJsonAsync($"/_sandbox/companies/{disabled.Company}", new { apiAccess = false })).EnsureSuccessStatusCode();
        var mismatched = await TenantWithPublicJobAsync();

        (await OnboardAsync(wrong, secret: "mistyped")).Connection.AttentionReason.ShouldBe(AttentionReason.CredentialsInvalid);
        (await OnboardAsync(disabled)).Connection.AttentionReason.ShouldBe(AttentionReason.ApiAccessDisabled);
        var mismatch = await OnboardAsync(mismatched, identifier: "MaisonAzur");
        mismatch.Connection.AttentionReason.ShouldBe(AttentionReason.CompanyMismatch);
        mismatch.Verdict.Problems.Single().Remedy.ShouldContain("Company profile");
    }

    [Fact]
    public async Task A_regenerated_secret_is_detected_and_a_good_rotation_restores_the_connection()
    {
        var tenant = await TenantWithPublicJobAsync();
        var (connection, _) = await OnboardAsync(tenant);
        var regenerated = await SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));

        var tested = await Service().TestAsync(connection.Id, "am:camille");
        var rotated = await Service().RotateSecretAsync(connection.Id, regenerated.Str("clientSecret"), "am:camille");

        tested!.Connection.AttentionReason.ShouldBe(AttentionReason.CredentialsInvalid);
        rotated!.Applied.ShouldBeTrue();
        rotated.Verdict.Status.ShouldBe(ConnectionStatus.Active);
        (await Service().TestAsync(connection.Id, "am:camille"))!.Connection.Status.ShouldBe(ConnectionStatus.Active, "the new secret is the one stored");
    }

    [Fact]
    public async Task A_bad_rotation_changes_nothing_and_is_audited()
    {
        var tenant = await TenantWithPublicJobAsync();
        var (connection, _) = await OnboardAsync(tenant);

        var rotated = await Service().RotateSecretAsync(connection.Id, "not-the-secret", "am:camille");

        rotated!.Applied.ShouldBeFalse();
        rotated.Verdict.Reason.ShouldBe(AttentionReason.CredentialsInvalid);
        (await Service().TestAsync(connection.Id, "am:camille"))!.Connection.Status.ShouldBe(ConnectionStatus.Active, "the old secret still works");
        (await Service().AuditAsync(connection.Id)).Select(a => a.Action).ShouldBe(["created", "secret_rotation_refused", "tested"]);
    }

    [Fact]
    public async Task Disconnecting_erases_the_secret_keeps_the_history_and_the_audit_never_holds_a_secret()
    {
        var tenant = await TenantWithPublicJobAsync();
        var (connection, _) = await OnboardAsync(tenant);

        var disconnected = await Service().DisconnectAsync(connection.Id, "Customer left", "am:camille");

        disconnected!.Status.ShouldBe(ConnectionStatus.Disconnected);
        disconnected.ProtectedSecret.ShouldBeNull();
        (await Service().TestAsync(connection.Id, "am:camille")).ShouldBeNull();
        var audit = await Service().AuditAsync(connection.Id);
        audit.Select(a => a.Action).ShouldBe(["created", "disconnected"]);
        audit.ShouldAllBe(a => a.Detail == null || !a.Detail.Contains(tenant.ClientSecret));
    }
}
