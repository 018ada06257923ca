using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
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
            else if (RedisProblem(Redis) is { } redis)
            {
                yield return redis;
            }

            if (database != DatabaseProvider.Postgres)
            {
                yield return $"Cluster:Mode is Redis but Database:Provider is {database}: several nodes must share one database, so set Database:Provider=Postgres and ConnectionStrings:Passerelle (SQLite is a file on one machine).";
            }

            if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _))
            {
                yield return $"Cluster:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.";
            }
            else if (AdvertisedAddress is not null && (IPAddress.Any.Equals(IPAddress.Parse(AdvertisedAddress)) || IPAddress.IPv6Any.Equals(IPAddress.Parse(AdvertisedAddress))))
            {
                yield return $"Cluster:AdvertisedAddress is '{AdvertisedAddress}', a wildcard that other nodes cannot reach: set it to this node's address on the network the nodes share (e.g. 10.0.0.5), or remove it to use this host's first IPv4 address.";
            }
        }
    }

    /// <summary>
    /// The silo and gateway ports that another process already listens on at <paramref name="address"/> (the address the
    /// silo will bind), each a sentence naming the setting to change. Separate from <see cref="Problems"/>: it depends
    /// on this machine at this moment, so it is checked at start, and the doctor, which runs beside a started server,
    /// reports it as a warning only.
    /// </summary>
    public IEnumerable<string> PortsInUse(IPAddress address)
    {
        foreach (var (setting, port) in new[] { ("Cluster:SiloPort", SiloPort), ("Cluster:GatewayPort", GatewayPort) })
        {
            if (InUse(address, port) is { } error)
            {
                yield return $"{setting} {port} is already in use on {address} ({error}): another process listens there (another Passerelle on this host?); stop it, or set {setting} to a free port.";
            }
        }
    }

    /// <summary>The address the silo binds: loopback for one node; the advertised address in a cluster.</summary>
    public IPAddress ListenAddress() => Mode == ClusterMode.Redis ? ClusterHosting.Advertised(this) : IPAddress.Loopback;

    private static string? InUse(IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        try
        {
            // As a restarted silo binds despite its old connections in TIME_WAIT, so does the probe: only a listener fails it.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            return null;
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode.ToString();
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string? RedisProblem(string redis)
    {
        try
        {
            var options = ConfigurationOptions.Parse(redis);
            return options.EndPoints.Count == 0
                ? "Cluster:Redis names no Redis server: set it to host:port, e.g. \"redis:6379\" (options follow commas: \"redis:6379,password=…,ssl=true\")."
                : null;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or RedisException)
        {
            // Parse's message names the keyword it refused, never the value of another one (a password).
            return $"Cluster:Redis is not a StackExchange.Redis configuration string ({exception.Message}): set it to host:port, e.g. \"redis:6379\", with options after commas (\"redis:6379,password=…,ssl=true\").";
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
        var ready = builder.Services.AddHealthChecks().AddNodeDependencyCheck("database");
        if (cluster.Mode == ClusterMode.Redis)
        {
            builder.Services.AddSingleton<INodeDependency>(sp => new ClusterDependency(ConfigurationOptions.Parse(cluster.Redis!), sp));
            ready.AddNodeDependencyCheck("cluster");
        }
    }

    /// <summary>
    /// Refuses the start, before the silo binds, when its ports are taken: Orleans' own failure is a socket error deep
    /// in its start, which names no setting. An options failure, so that the entry point prints it as a line to act on.
    /// </summary>
    public static void EnsurePortsFree(IConfiguration configuration)
    {
        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        var problems = cluster.PortsInUse(cluster.ListenAddress()).ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ClusterOptions.Section, typeof(ClusterOptions), problems);
        }
    }

    /// <summary>A readiness check (tag <c>ready</c>) of the node dependency <paramref name="name"/>, bounded by <see cref="NodeHealth.CheckTimeout"/>.</summary>
    private static IHealthChecksBuilder AddNodeDependencyCheck(this IHealthChecksBuilder checks, string name) =>
        checks.Add(new HealthCheckRegistration(name, sp => new NodeDependencyHealthCheck(sp.GetRequiredService<NodeHealth>(), name), HealthStatus.Unhealthy, ["ready"],
            NodeHealth.CheckTimeout + TimeSpan.FromSeconds(1)));

    internal static IPAddress Advertised(ClusterOptions cluster)
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
