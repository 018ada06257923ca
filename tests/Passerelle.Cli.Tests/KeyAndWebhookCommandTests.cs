namespace Passerelle.Cli.Tests;

[Collection(SharedServer.Name)]
public sealed class KeyAndWebhookCommandTests(CliServer server)
{
    [Fact]
    public async Task A_key_is_shown_once_on_create_listed_without_it_and_refused_once_revoked()
    {
        var name = Onboarding.Name("hippolyte-rh");

        var created = (await server.RunAsync("keys", "create", "--name", name, "--role", "admin")).ShouldSucceed();
        var key = created.Out.Split('\n').Single(l => l.StartsWith("Key:", StringComparison.Ordinal))["Key:".Length..].Trim();
        key.Length.ShouldBeGreaterThan(20);
        created.Error.ShouldContain("shown only this once");
        (await server.Cli(key).RunAsync(["connections", "list"])).ShouldSucceed();

        var list = (await server.RunAsync("keys", "list")).ShouldSucceed();
        list.Out.ShouldContain(name);
        list.Out.ShouldNotContain(key);

        (await server.RunAsync("keys", "revoke", name.ToUpperInvariant())).ShouldSucceed().Out.ShouldContain("revoked");

        var refused = await server.Cli(key).RunAsync(["connections", "list"]);
        refused.ExitCode.ShouldBe(ExitCodes.Auth);
        refused.Error.ShouldContain("401");
    }

    [Fact]
    public async Task A_wrong_key_exits_4_without_echoing_it()
    {
        var run = await server.Cli("psk_not-a-real-key").RunAsync(["connections", "list"]);

        run.ExitCode.ShouldBe(ExitCodes.Auth);
        run.Error.ShouldContain("PASSERELLE_API_KEY");
        run.Error.ShouldNotContain("psk_not-a-real-key");
    }

    [Fact]
    public async Task A_webhook_subscription_is_added_with_its_secret_once_listed_and_removed()
    {
        var url = $"http://127.0.0.1:9/hooks/{Guid.NewGuid():N}";

        var added = (await server.RunAsync("webhooks", "add", "--url", url, "--event", "job.created", "--event", "application.delivered", "--description", "test")).ShouldSucceed();
        added.Out.ShouldContain("Secret:");
        var id = added.Out.Split('\n').Single(l => l.StartsWith("Id:", StringComparison.Ordinal))["Id:".Length..].Trim();
        var secret = added.Out.Split('\n').Single(l => l.StartsWith("Secret:", StringComparison.Ordinal))["Secret:".Length..].Trim();

        var list = (await server.RunAsync("webhooks", "list", "--json")).ShouldSucceed();
        var mine = list.Json.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!;
        mine["url"]!.GetValue<string>().ShouldBe(url);
        mine["eventTypes"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["job.created", "application.delivered"]);
        list.Out.ShouldNotContain(secret);

        (await server.RunAsync("webhooks", "deliveries", id, "--json")).ShouldSucceed().Json["items"]!.AsArray().ShouldBeEmpty();
        (await server.RunAsync("webhooks", "replay", id, "--since", "2026-01-01T00:00:00Z")).ShouldSucceed().Out.ShouldContain("queued");

        (await server.RunAsync("webhooks", "remove", id)).ShouldSucceed();
        (await server.RunAsync("webhooks", "list")).Out.ShouldNotContain(url);
        (await server.RunAsync("webhooks", "remove", id)).ExitCode.ShouldBe(ExitCodes.NotFound);
    }

    [Fact]
    public async Task Replay_needs_exactly_one_of_delivery_or_since()
    {
        var run = await server.RunAsync("webhooks", "replay", Guid.NewGuid().ToString());

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("--since");
    }
}
