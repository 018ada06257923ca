using System.Net;
using Passerelle.Core.Lanes;
using Passerelle.Core.Persistence;
using StackExchange.Redis;

namespace Passerelle.Server.Lanes;

public enum ClusterMode
{
    /// <summary>One node, in process, nothing to install (the default).</summary>
    Localhost,

    /// <summary>Several identical nodes; Redis holds the cluster membership, PostgreSQL the data.</summary>
    Redis,
}

/// <summary>Section <c>Cluster</c>: how this node finds the others, if any.</summary>
public sealed class ClusterOptions
{
    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;

    /// <summary>The Redis connection string for cluster membership (<c>Mode=Redis</c>), e.g. <c>redis:6379</c>.</summary>
    public string? Redis { get; set; }

    /// <summary>Nodes with the same id form one cluster. Default <c>passerelle</c>.</summary>
    public string ClusterId { get; set; } = "passerelle";

    /// <summary>The port nodes talk to each other on. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The Orleans gateway port (clients of the cluster; unused by Passerelle itself). Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other nodes reach this one at (<c>Mode=Redis</c>). Default: this host's first IPv4 address that is not loopback.</summary>
    public string? AdvertisedAddress { get; set; }

    public const string Section = "Cluster";

    /// <summary>Every problem with the settings, each a sentence saying what to set.</summary>
    public IEnumerable<string> Problems(DatabaseProvider database)
    {
        if (SiloPort is < 1 or > 65535 || GatewayPort is < 1 or > 65535 || SiloPort == GatewayPort)
        {
            yield return $"Cluster:SiloPort ({SiloPort}) and Cluster:GatewayPort ({GatewayPort}) must be two different ports between 1 and 65535.";
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            yield return "Cluster:ClusterId cannot be empty (nodes with the same id form one cluster).";
        }

        if (Mode == ClusterMode.Redis)
        {
            if (string.IsNullOrWhiteSpace(Redis))
            {
                yield return "Cluster:Mode is Redis but Cluster:Redis is empty: set it to the Redis connection string, e.g. \"redis:6379\".";
            }

            if (database != DatabaseProvider.Postgres)
            {
                yield return $"Cluster:Mode is Redis but Database:Provider is {database}: several nodes must share one database, so set Database:Provider=Postgres and ConnectionStrings:Passerelle (SQLite is a file on one machine).";
            }

            if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _))
            {
                yield return $"Cluster:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.";
            }
        }
    }
}

internal static class ClusterHosting
{
    /// <summary>
    /// Hosts this node's Orleans silo, where the connections' lanes live. A wrong cluster setting stops the start
    /// here with every problem listed, before anything listens.
    /// </summary>
    public static void AddPasserelleCluster(this WebApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        var database = builder.Configuration.GetSection("Database").Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var problems = cluster.Problems(database).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Passerelle cannot start: " + string.Join(" ", problems));
        }

        builder.UseOrleans(silo =>
        {
            if (cluster.Mode == ClusterMode.Redis)
            {
                var redis = ConfigurationOptions.Parse(cluster.Redis!);
                silo.UseRedisClustering(options => options.ConfigurationOptions = redis);
                silo.Configure<Orleans.Configuration.ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (cluster.ClusterId, "passerelle"));
                // Listen on the advertised address only: the silo port carries grain calls between nodes, unauthenticated,
                // so it belongs on the private network the nodes share, not on every interface.
                silo.ConfigureEndpoints(Advertised(cluster), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: "passerelle", clusterId: cluster.ClusterId);
            }
        });

        // After the silo: the supervisor's first round calls grains, so it starts once the silo has.
        builder.Services.AddPasserelleLanes();
    }

    private static IPAddress Advertised(ClusterOptions cluster)
    {
        if (cluster.AdvertisedAddress is { } configured)
        {
            return IPAddress.Parse(configured);
        }

        // Several nodes advertising 127.0.0.1 would each think the others are themselves: refuse rather than guess.
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException(
                "Passerelle cannot start: Cluster:Mode is Redis but this host has no IPv4 address other than loopback for other nodes to reach it; set Cluster:AdvertisedAddress to the address the other nodes use.");
    }
}
