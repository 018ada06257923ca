using System.Net.Http.Json;
using Passerelle.SmartRecruiters.Probing;
using Passerelle.Testing;

namespace Passerelle.SmartRecruiters.Tests;

public sealed class ProbeTests(SandboxFactory sandbox) : IClassFixture<SandboxFactory>
{
    private async Task<SrProbeResult> ProbeAsync(Tenant tenant, string? identifier = null, string? secret = null)
    {
        await using var harness = ClientHarness.For(sandbox);
        var result = await harness.Client.ProbeAsync(harness.Credential(tenant, secret), identifier ?? tenant.Company);
        (await tenant.CandidatesAsync()).ShouldBeEmpty("a probe never creates anything");
        return result;
    }

    [Fact]
    public async Task The_exact_credential_passes_with_no_warning()
    {
        var tenant = await sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();

        var result = await ProbeAsync(tenant);

        result.Token.ShouldBe(SrTokenVerdict.Granted);
        result.RequiredScopes.Values.ShouldAllBe(v => v == SrScopeVerdict.Held);
        result.ExtraScopes.ShouldBeEmpty();
        result.ApiAccess.ShouldBe(SrApiAccessVerdict.Enabled);
        result.Company.ShouldBe(SrCompanyVerdict.Consistent);
        result.IsBlocking.ShouldBeFalse();
    }

    [Fact]
    public async Task Extra_scopes_are_named_with_their_sr_prompt()
    {
        var tenant = await sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read", "configuration_manage");
        await tenant.AddJobIdAsync();

        var result = await ProbeAsync(tenant);

        result.ExtraScopes.Select(e => (e.Scope, e.Prompt)).ShouldBe([("candidates_read", "Access Candidates"), ("configuration_manage", "Manage Company Settings")]);
        result.ExtraScopes.ShouldAllBe(e => e.Evidence == SrExtraScopeEvidence.TokenScopeField);
        result.IsBlocking.ShouldBeFalse("extra privileges warn, they do not block");
    }

    [Fact]
    public async Task Each_missing_scope_is_reported()
    {
        var jobsOnly = await sandbox.NewTenantAsync("jobs_read");
        var createOnly = await sandbox.NewTenantAsync("candidates_create");

        var a = await ProbeAsync(jobsOnly);
        var b = await ProbeAsync(createOnly);

        a.RequiredScopes["jobs_read"].ShouldBe(SrScopeVerdict.Held);
        a.RequiredScopes["candidates_create"].ShouldBe(SrScopeVerdict.Missing);
        b.RequiredScopes["jobs_read"].ShouldBe(SrScopeVerdict.Missing);
        b.RequiredScopes["candidates_create"].ShouldBe(SrScopeVerdict.Held);
        a.IsBlocking.ShouldBeTrue();
        b.IsBlocking.ShouldBeTrue();
    }

    [Fact]
    public async Task A_wrong_secret_is_credentials_rejected()
    {
        var tenant = await sandbox.NewTenantAsync();

        var result = await ProbeAsync(tenant, secret: "mistyped");

        result.Token.ShouldBe(SrTokenVerdict.CredentialsRejected);
        result.RequiredScopes.Values.ShouldAllBe(v => v == SrScopeVerdict.Unknown);
        result.IsBlocking.ShouldBeTrue();
    }

    [Fact]
    public async Task A_company_without_the_api_feature_is_reported()
    {
        var tenant = await sandbox.NewTenantAsync();
        (await tenant.Http().PatchAsJsonAsync($"/_sandbox/companies/{tenant.Company}", new { apiAccess = false })).EnsureSuccessStatusCode();

        var result = await ProbeAsync(tenant);

        result.Token.ShouldBe(SrTokenVerdict.Granted);
        result.ApiAccess.ShouldBe(SrApiAccessVerdict.Disabled);
        result.IsBlocking.ShouldBeTrue();
    }

    [Fact]
    public async Task An_identifier_of_another_company_is_a_mismatch()
    {
        var tenant = await sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync();

        var mismatch = await ProbeAsync(tenant, identifier: "MaisonAzur");
        var typo = await ProbeAsync(tenant, identifier: tenant.Company + "x");

        mismatch.Company.ShouldBe(SrCompanyVerdict.Mismatch);
        typo.Company.ShouldBe(SrCompanyVerdict.Mismatch);
        mismatch.PublicJobsCompared.ShouldBe(1);
        mismatch.IsBlocking.ShouldBeTrue();
    }

    [Fact]
    public async Task Without_public_jobs_the_identifier_cannot_be_verified()
    {
        var tenant = await sandbox.NewTenantAsync();
        await tenant.AddJobIdAsync(postingStatus: "INTERNAL");

        var result = await ProbeAsync(tenant, identifier: "AnythingAtAll");

        result.Company.ShouldBe(SrCompanyVerdict.Unverifiable);
        result.Notes.ShouldContain(n => n.Contains("no PUBLIC job"));
        result.IsBlocking.ShouldBeFalse();
    }
}

/// <summary>Without a scope field in token responses, only a read-only probe can reveal candidates_read.</summary>
public sealed class ProbeWithoutScopeFieldTests
{
    [Fact]
    public async Task Candidates_read_is_found_by_a_read_probe()
    {
        await using var sandbox = new SandboxFactory();
        (await sandbox.Http().PutAsJsonAsync("/_sandbox/settings", new { tokenScopeField = false })).EnsureSuccessStatusCode();
        var exact = await sandbox.NewTenantAsync();
        var extra = await sandbox.NewTenantAsync("jobs_read", "candidates_create", "candidates_read");
        await using var harness = ClientHarness.For(sandbox);

        var a = await harness.Client.ProbeAsync(harness.Credential(exact), exact.Company);
        var b = await harness.Client.ProbeAsync(harness.Credential(extra), extra.Company);

        a.GrantedScopes.ShouldBeNull();
        a.ExtraScopes.ShouldBeEmpty();
        b.ExtraScopes.Single().ShouldBe(new SrExtraScope("candidates_read", "Access Candidates", SrExtraScopeEvidence.ReadProbe));
        b.RequiredScopes.Values.ShouldAllBe(v => v == SrScopeVerdict.Held);
    }
}
