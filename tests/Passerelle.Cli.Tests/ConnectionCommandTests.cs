namespace Passerelle.Cli.Tests;

[Collection(SharedServer.Name)]
public sealed class ConnectionCommandTests(CliServer server)
{
    [Fact]
    public async Task A_connection_goes_through_add_list_show_test_rotate_disconnect_and_audit()
    {
        var (tenant, _) = await server.TenantAsync("Vendeur (H/F)");
        var name = Onboarding.Name("Maison Azur");

        var added = await Onboarding.AddAsync(server, tenant, name);
        added.ShouldSucceed();
        added.Out.ShouldContain($"Connection '{name}' created");
        added.Out.ShouldContain("Active");
        added.Out.ShouldNotContain(tenant.ClientSecret);

        var list = (await server.RunAsync("connections", "list")).ShouldSucceed();
        list.Out.ShouldContain(name);

        // By name, in another case.
        var shown = (await server.RunAsync("connections", "show", name.ToUpperInvariant())).ShouldSucceed();
        shown.Out.ShouldContain("Status:");
        shown.Out.ShouldContain("Active");
        shown.Out.ShouldContain(tenant.Company);
        shown.Out.ShouldContain("stored (never shown)");

        (await server.RunAsync("connections", "test", name)).ShouldSucceed().Out.ShouldContain("probed");

        // The customer regenerates the secret in SR: the old one stops working, the new one comes from a file.
        var regenerated = await Testing.SandboxFactory.ReadAsync(await tenant.Http().PostAsync($"/_sandbox/credentials/{tenant.ClientId}/regenerate-secret", null));
        var newSecret = regenerated["clientSecret"]!.GetValue<string>();
        var file = Path.Combine(TestDirectories.New("secret"), "secret");
        await File.WriteAllTextAsync(file, newSecret + "\n");
        var rotated = (await server.RunAsync("connections", "rotate-secret", name, "--client-secret-file", file)).ShouldSucceed();
        rotated.Out.ShouldContain("The new secret works");
        rotated.Out.ShouldNotContain(newSecret);

        var refused = await new CliRunner(server).RunAsync(["connections", "rotate-secret", name, "--client-secret-stdin"], stdin: "not-the-secret\n");
        refused.ExitCode.ShouldBe(ExitCodes.Failed, refused.ToString());
        refused.Out.ShouldContain("the old one is kept");

        var disconnected = (await server.RunAsync("connections", "disconnect", name, "--yes", "--reason", "Customer left")).ShouldSucceed();
        disconnected.Out.ShouldContain("Disconnected");

        var audit = (await server.RunAsync("connections", "audit", name, "--json")).ShouldSucceed();
        var actions = audit.Json.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        actions.ShouldContain("created");
        actions.ShouldContain("secret_rotated");
        actions.Count.ShouldBeGreaterThanOrEqualTo(4);
        audit.Out.ShouldNotContain(newSecret);
    }

    [Fact]
    public async Task A_secret_given_as_an_argument_is_refused_with_exit_2_and_nothing_is_created()
    {
        var (tenant, _) = await server.TenantAsync("Caissier (H/F)");
        var name = Onboarding.Name("Argument");

        var run = await server.RunAsync("connections", "add", "--name", name, "--customer", "C", "--company", tenant.Company, "--client-id", tenant.ClientId,
            "--client-secret", tenant.ClientSecret);

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("never taken as an argument");
        run.Error.ShouldContain("--client-secret-stdin");
        run.Error.ShouldNotContain(tenant.ClientSecret);
        (await server.RunAsync("connections", "list")).Out.ShouldNotContain(name);

        var none = await server.RunAsync("connections", "add", "--name", name, "--customer", "C", "--company", tenant.Company, "--client-id", tenant.ClientId);
        none.ExitCode.ShouldBe(ExitCodes.Usage);
        none.Error.ShouldContain("--client-secret-file");
    }

    [Fact]
    public async Task An_unknown_connection_exits_3_and_suggests_the_closest_name()
    {
        var (tenant, _) = await server.TenantAsync("Boulanger (H/F)");
        var name = Onboarding.Name("Côte Sauvage");
        (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();

        var typo = name.Replace("Côte", "Cote", StringComparison.Ordinal);
        var run = await server.RunAsync("connections", "show", typo);

        run.ExitCode.ShouldBe(ExitCodes.NotFound);
        run.Error.ShouldContain($"No connection '{typo}'. Did you mean '{name}'?");
    }

    [Fact]
    public async Task Show_reports_an_extra_scope_as_a_warning_and_the_connection_stays_active()
    {
        var (tenant, _) = await server.TenantAsync("Magasinier (H/F)", "jobs_read", "candidates_create", "candidates_read");
        var name = Onboarding.Name("Extra scope");

        var added = (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();
        added.Out.ShouldContain("Warning (extra_scope:candidates_read)");

        var shown = (await server.RunAsync("connections", "show", name)).ShouldSucceed();
        shown.Out.ShouldContain("candidates_read");
        shown.Out.ShouldContain("extra_scope:candidates_read");
    }

    [Fact]
    public async Task A_credential_missing_a_scope_is_created_but_exits_1_with_the_problem_and_its_fix()
    {
        var (tenant, _) = await server.TenantAsync("Livreur (H/F)", "jobs_read");
        var name = Onboarding.Name("Missing scope");

        var added = await Onboarding.AddAsync(server, tenant, name);

        added.ExitCode.ShouldBe(ExitCodes.Failed, added.ToString());
        added.Out.ShouldContain("NeedsAttention");
        added.Out.ShouldContain("ScopeMissing");
        added.Out.ShouldContain("Fix:");
    }

    [Fact]
    public async Task Refusals_by_the_api_exit_5_with_its_detail_and_the_invalid_fields()
    {
        var (tenant, _) = await server.TenantAsync("Comptable (H/F)");
        var name = Onboarding.Name("Refused");
        (await Onboarding.AddAsync(server, tenant, name)).ShouldSucceed();

        var taken = await Onboarding.AddAsync(server, tenant, name);
        taken.ExitCode.ShouldBe(ExitCodes.Conflict);
        taken.Error.ShouldContain("already named");
        taken.Error.ShouldContain("409 connection.display_name_taken");

        var invalid = await new CliRunner(server).RunAsync(
            ["connections", "add", "--name", Onboarding.Name("Invalid"), "--customer", "C", "--company", "not a company!", "--client-id", "x", "--client-secret-stdin"],
            stdin: "s\n");
        invalid.ExitCode.ShouldBe(ExitCodes.Conflict);
        invalid.Error.ShouldContain("companyIdentifier:");
        invalid.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Json_output_is_the_api_s_json_and_nothing_else()
    {
        var (tenant, _) = await server.TenantAsync("Serveur (H/F)");
        var name = Onboarding.Name("Json");
        var added = (await Onboarding.AddAsync(server, tenant, name, "--json")).ShouldSucceed();
        added.Json["displayName"]!.GetValue<string>().ShouldBe(name);
        added.Json["hasSecret"]!.GetValue<bool>().ShouldBeTrue();

        var list = (await server.RunAsync("connections", "list", "--json")).ShouldSucceed();
        list.Json.AsArray().Select(c => c!["displayName"]!.GetValue<string>()).ShouldContain(name);

        var shown = (await server.RunAsync("--json", "connections", "show", added.Json["id"]!.GetValue<string>())).ShouldSucceed();
        shown.Json["status"]!.GetValue<string>().ShouldBe("Active");
    }

    [Fact]
    public async Task A_platform_key_may_not_manage_connections_exit_4()
    {
        var created = (await server.RunAsync("keys", "create", "--name", Onboarding.Name("platform"), "--role", "platform", "--json")).ShouldSucceed();
        var key = created.Json["key"]!.GetValue<string>();

        var run = await server.Cli(key).RunAsync(["connections", "list"]);

        run.ExitCode.ShouldBe(ExitCodes.Auth, run.ToString());
        run.Error.ShouldNotContain(key);
    }
}
