using Passerelle.Server.Operations;

namespace Passerelle.Cli.Tests;

/// <summary>doctor, migrate and sandbox as the CLI drives them; their bodies are the server's and the sandbox's (tested there).</summary>
public sealed class OperationsCommandTests
{
    [Fact]
    public async Task Doctor_builds_its_target_from_the_options_prints_the_checks_and_exits_1_on_a_failure()
    {
        OperationsTarget? seen = null;
        var root = TestDirectories.New("root");
        var runner = new CliRunner(null)
        {
            Doctor = (target, _) =>
            {
                seen = target;
                return Task.FromResult<IReadOnlyList<DoctorCheck>>(
                [
                    new("configuration", CheckStatus.Ok, "Settings are valid."),
                    new("database", CheckStatus.Failed, "3 migrations are pending.", "Run passerelle migrate."),
                ]);
            },
        };

        var run = await runner.RunAsync(["doctor", "--content-root", root, "--environment", "Staging", "--set", "Database:Provider=Postgres", "--set", "A:B=x=y"]);

        run.ExitCode.ShouldBe(ExitCodes.Failed, run.ToString());
        seen!.ContentRoot.ShouldBe(root);
        seen.Environment.ShouldBe("Staging");
        seen.Overrides["Database:Provider"].ShouldBe("Postgres");
        seen.Overrides["A:B"].ShouldBe("x=y");
        run.Out.ShouldContain("3 migrations are pending.");
        run.Out.ShouldContain("Run passerelle migrate.");
        run.Out.ShouldContain("1 failed");
    }

    [Fact]
    public async Task The_real_doctor_names_each_problem_of_a_broken_configuration_with_its_fix_and_migrate_then_doctor_pass_once_it_is_fixed()
    {
        var root = TestDirectories.New("installation");
        await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), """
            { "Demo": { "Enabled": true }, "Cluster": { "Mode": "Redis" }, "Sync": { "Interval": "00:00:00" } }
            """);
        var runner = new CliRunner(null);

        var broken = await runner.RunAsync(["doctor", "--content-root", root]);

        broken.ExitCode.ShouldBe(ExitCodes.Failed, broken.ToString());
        broken.Out.ShouldContain("Demo:Enabled is true in the Production environment");
        broken.Out.ShouldContain("Cluster:Redis is empty");
        broken.Out.ShouldContain("Sync:Interval");
        broken.Out.ShouldContain("Change that setting");
        (await runner.RunAsync(["migrate", "--content-root", root])).ShouldSatisfyAllConditions(
            r => r.ExitCode.ShouldBe(ExitCodes.Failed),
            r => r.Error.ShouldContain("nothing was migrated"));

        // The same installation, fixed from the command line: migrate, then a clean bill of health.
        string[] fixes = ["--set", "Demo:Enabled=false", "--set", "Cluster:Mode=Localhost", "--set", "Sync:Interval=00:05:00"];
        var migrated = await runner.RunAsync(["migrate", "--content-root", root, .. fixes]);
        migrated.ExitCode.ShouldBe(ExitCodes.Ok, migrated.ToString());
        migrated.Out.ShouldContain("Applied");
        var healthy = await runner.RunAsync(["doctor", "--content-root", root, "--json", .. fixes]);
        healthy.ExitCode.ShouldBe(ExitCodes.Ok, healthy.ToString());
        healthy.Json.AsArray().ShouldAllBe(c => c!["status"]!.GetValue<string>() == "Ok");
    }

    [Fact]
    public async Task Doctor_defaults_to_the_current_directory_and_ASPNETCORE_ENVIRONMENT_then_Production()
    {
        var targets = new List<OperationsTarget>();
        var runner = new CliRunner(null)
        {
            Doctor = (target, _) =>
            {
                targets.Add(target);
                return Task.FromResult<IReadOnlyList<DoctorCheck>>([new("configuration", CheckStatus.Warning, "Fine.")]);
            },
        };

        (await runner.RunAsync(["doctor"])).ShouldSucceed();
        runner.Variables["ASPNETCORE_ENVIRONMENT"] = "Demo";
        (await runner.RunAsync(["doctor", "--json"])).ShouldSucceed().Json[0]!["status"]!.GetValue<string>().ShouldBe("Warning");

        targets[0].ContentRoot.ShouldBe(runner.CurrentDirectory);
        targets[0].Environment.ShouldBe("Production");
        targets[0].Overrides.ShouldBeEmpty();
        targets[1].Environment.ShouldBe("Demo");
    }

    [Fact]
    public async Task A_set_without_equals_is_a_usage_error()
    {
        var run = await new CliRunner(null).RunAsync(["migrate", "--set", "Database:Provider"]);

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("Key=Value");
    }

    [Fact]
    public async Task Migrate_prints_the_migrations_applied_and_lists_the_problems_of_an_operations_exception()
    {
        var applied = new CliRunner(null)
        {
            Migrate = (_, _) => Task.FromResult(new MigrationReport("Sqlite", "data/passerelle.db", ["20261101_Initial", "20261120_Applications"], 0)),
        };
        var run = (await applied.RunAsync(["migrate"])).ShouldSucceed();
        run.Out.ShouldContain("20261101_Initial");
        run.Out.ShouldContain("20261120_Applications");

        var refused = new CliRunner(null)
        {
            Migrate = (_, _) => throw new OperationsException("The configuration is invalid.", ["ConnectionStrings:Passerelle is empty: set it.", "Database:Provider 'Oracle' is unknown."]),
        };
        var failed = await refused.RunAsync(["migrate"]);
        failed.ExitCode.ShouldBe(ExitCodes.Failed);
        failed.Error.ShouldContain("The configuration is invalid.");
        failed.Error.ShouldContain("ConnectionStrings:Passerelle is empty: set it.");
        failed.Error.ShouldContain("Database:Provider 'Oracle' is unknown.");
    }

    [Fact]
    public async Task Sandbox_listens_on_5080_unless_told_and_passes_its_switches_through()
    {
        var calls = new List<string[]>();
        var runner = new CliRunner(null) { Sandbox = (args, _) => { calls.Add(args); return Task.FromResult(0); } };

        (await runner.RunAsync(["sandbox"])).ShouldSucceed();
        (await runner.RunAsync(["sandbox", "--urls", "http://127.0.0.1:6000", "--seed", "none", "--Sandbox:LatencyMs=5"])).ShouldSucceed();

        calls[0].ShouldBe(["--urls", "http://127.0.0.1:5080"]);
        calls[1].ShouldBe(["--urls", "http://127.0.0.1:6000", "--seed", "none", "--Sandbox:LatencyMs=5"]);
    }

    [Fact]
    public async Task An_unexpected_exception_is_one_line_and_exit_1_with_the_stack_only_on_request()
    {
        var runner = new CliRunner(null) { Doctor = (_, _) => throw new InvalidOperationException("The key ring is gone.") };

        var run = await runner.RunAsync(["doctor"]);
        run.ExitCode.ShouldBe(ExitCodes.Failed);
        run.Error.ShouldContain("Error: InvalidOperationException: The key ring is gone.");
        run.Error.ShouldContain("PASSERELLE_DEBUG=1");
        run.Error.ShouldNotContain("   at ");

        runner.Variables["PASSERELLE_DEBUG"] = "1";
        (await runner.RunAsync(["doctor"])).Error.ShouldContain("   at ");
    }
}
