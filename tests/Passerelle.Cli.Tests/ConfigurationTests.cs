using System.Text.Json.Nodes;

namespace Passerelle.Cli.Tests;

[Collection(SharedServer.Name)]
public sealed class ConfigurationTests(CliServer server)
{
    private CliRunner Bare(string? directory = null) => new(server)
    {
        CurrentDirectory = directory ?? TestDirectories.New("cwd"),
    };

    [Fact]
    public async Task With_nothing_configured_a_command_exits_4_and_says_how_to_configure()
    {
        var runner = Bare();
        runner.Variables.Clear();

        var run = await runner.RunAsync(["connections", "list"]);

        run.ExitCode.ShouldBe(ExitCodes.Auth);
        run.Error.ShouldContain("No Passerelle server is configured.");
        run.Error.ShouldContain("PASSERELLE_SERVER");
        run.Error.ShouldContain("profiles.json");
        run.Error.ShouldContain("demo.json");
    }

    [Fact]
    public async Task Next_to_a_running_demo_its_facts_file_gives_the_server_and_the_key()
    {
        var directory = TestDirectories.New("demo");
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(directory, "data", "demo.json"),
            new JsonObject { ["consoleUrl"] = server.Server.BaseAddress.AbsoluteUri.TrimEnd('/'), ["adminApiKey"] = server.AdminKey }.ToJsonString());
        var runner = Bare(directory);
        runner.Variables.Clear();

        (await runner.RunAsync(["connections", "list", "--json"])).ShouldSucceed().Json.ShouldBeOfType<JsonArray>();
    }

    [Fact]
    public async Task A_named_profile_is_used_and_the_environment_wins_over_it()
    {
        var directory = TestDirectories.New("profiles");
        var path = Path.Combine(directory, "profiles.json");
        await File.WriteAllTextAsync(path, new JsonObject
        {
            ["staging"] = new JsonObject { ["server"] = server.Server.BaseAddress.AbsoluteUri, ["apiKey"] = server.AdminKey },
            ["default"] = new JsonObject { ["server"] = server.Server.BaseAddress.AbsoluteUri, ["apiKey"] = "psk_wrong" },
        }.ToJsonString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var runner = Bare();
        runner.Variables.Clear();
        runner.Variables["PASSERELLE_PROFILES"] = path;

        var staging = (await runner.RunAsync(["--profile", "staging", "connections", "list"])).ShouldSucceed();
        staging.Error.ShouldNotContain("chmod");
        (await runner.RunAsync(["connections", "list"])).ExitCode.ShouldBe(ExitCodes.Auth);

        runner.Variables["PASSERELLE_API_KEY"] = server.AdminKey;
        (await runner.RunAsync(["connections", "list"])).ShouldSucceed();

        var missing = await runner.RunAsync(["--profile", "prod", "connections", "list"]);
        missing.ExitCode.ShouldBe(ExitCodes.Auth);
        missing.Error.ShouldContain("No profile 'prod'");
        missing.Error.ShouldContain("staging");
    }

    [Fact]
    public async Task A_profiles_file_others_can_read_draws_a_chmod_warning()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        var path = Path.Combine(TestDirectories.New("profiles"), "profiles.json");
        await File.WriteAllTextAsync(path, new JsonObject { ["default"] = new JsonObject { ["server"] = server.Server.BaseAddress.AbsoluteUri, ["apiKey"] = server.AdminKey } }.ToJsonString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var runner = Bare();
        runner.Variables.Clear();
        runner.Variables["PASSERELLE_PROFILES"] = path;

        var run = (await runner.RunAsync(["connections", "list"])).ShouldSucceed();

        run.Error.ShouldContain($"chmod 600 {path}");
    }

    [Fact]
    public async Task An_unreachable_server_exits_6()
    {
        var runner = new CliRunner(null) { UseRealHandler = true };
        runner.Variables["PASSERELLE_SERVER"] = "http://127.0.0.1:1";
        runner.Variables["PASSERELLE_API_KEY"] = "psk_x";

        var run = await runner.RunAsync(["connections", "list"]);

        run.ExitCode.ShouldBe(ExitCodes.Unreachable, run.ToString());
        run.Error.ShouldContain("Cannot reach the Passerelle server at http://127.0.0.1:1/");
        run.Error.ShouldNotContain("psk_x");
    }
}
