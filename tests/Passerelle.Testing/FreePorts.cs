using System.Net;
using System.Net.Sockets;

namespace Passerelle.Testing;

/// <summary>
/// Loopback ports nobody listens on, for hosts that refuse port 0 (an Orleans silo). Ports handed out are not
/// handed out again by this process, so parallel test hosts never collide with each other.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
