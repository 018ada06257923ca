using System.Net;
using System.Net.Sockets;
using Passerelle.Core.Persistence;
using Passerelle.Server.Lanes;
using Passerelle.Testing;

namespace Passerelle.Server.Tests.Operations;

/// <summary>Cluster settings checked at start, each refusal saying which setting to change.</summary>
public sealed class ClusterSettingsTests
{
    private static ClusterOptions Redis(string redis, string? advertised = "10.0.0.5") =>
        new() { Mode = ClusterMode.Redis, Redis = redis, AdvertisedAddress = advertised };

    [Theory]
    [InlineData("redis:6379,nonsense=1", "Cluster:Redis is not a StackExchange.Redis configuration string")]
    [InlineData("redis:6379,ssl=maybe", "Cluster:Redis is not a StackExchange.Redis configuration string")]
    [InlineData(",ssl=true", "Cluster:Redis names no Redis server")]
    public void A_Redis_setting_StackExchange_Redis_cannot_read_is_refused_with_an_example(string redis, string expected)
    {
        var problem = Redis(redis).Problems(DatabaseProvider.Postgres).ShouldHaveSingleItem();
        problem.ShouldStartWith(expected);
        problem.ShouldContain("\"redis:6379\"");
    }

    [Fact]
    public void A_Redis_setting_with_a_password_is_accepted_and_a_refusal_does_not_repeat_the_password()
    {
        Redis("redis:6379,password=s3cr3t-pw,ssl=true").Problems(DatabaseProvider.Postgres).ShouldBeEmpty();
        Redis("redis:6379,password=s3cr3t-pw,bogus=1").Problems(DatabaseProvider.Postgres).ShouldHaveSingleItem().ShouldNotContain("s3cr3t-pw");
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void A_wildcard_advertised_address_is_refused_because_other_nodes_cannot_reach_it(string address)
    {
        var problem = Redis("redis:6379", address).Problems(DatabaseProvider.Postgres).ShouldHaveSingleItem();
        problem.ShouldStartWith($"Cluster:AdvertisedAddress is '{address}', a wildcard that other nodes cannot reach");
    }

    [Fact]
    public void A_port_another_process_listens_on_is_named_with_its_setting()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var free = FreePorts.Next();

        var problem = new ClusterOptions { SiloPort = port, GatewayPort = free }.PortsInUse(IPAddress.Loopback).ShouldHaveSingleItem();
        problem.ShouldStartWith($"Cluster:SiloPort {port} is already in use on 127.0.0.1");
        problem.ShouldContain("set Cluster:SiloPort to a free port");
        new ClusterOptions { SiloPort = free, GatewayPort = port }.PortsInUse(IPAddress.Loopback).ShouldHaveSingleItem().ShouldStartWith($"Cluster:GatewayPort {port}");
        new ClusterOptions { SiloPort = free, GatewayPort = FreePorts.Next() }.PortsInUse(IPAddress.Loopback).ShouldBeEmpty();
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task A_start_on_a_silo_port_in_use_is_refused_with_the_setting_to_change()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new ServerProcessOptions
        {
            Name = "port-in-use",
            Settings = new Dictionary<string, string?> { ["Cluster:SiloPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }));
        refused.Message.ShouldContain("exited with code 1");
        refused.Message.ShouldContain("Passerelle cannot start:");
        refused.Message.ShouldContain($"Cluster:SiloPort {port} is already in use on 127.0.0.1");
    }
}
