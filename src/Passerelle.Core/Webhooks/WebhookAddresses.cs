using System.Net;
using System.Net.Sockets;

namespace Passerelle.Core.Webhooks;

/// <summary>
/// Which receivers a webhook may reach. A subscription URL is chosen by an API caller, so without this rule a signed
/// POST could be aimed at this machine, the private network or a cloud metadata service (server-side request forgery).
/// The rule is applied twice: to the URL when it is subscribed (IP literals and <c>localhost</c>) and to every
/// address the host name resolves to when the dispatcher connects (so a name that later resolves to a private
/// address is refused too). <see cref="WebhookOptions.AllowPrivateNetworks"/> turns both off.
/// </summary>
public static class WebhookAddresses
{
    /// <summary>The reason an attempt records when the connection was refused.</summary>
    public const string NotPublicReason = "The receiver's address is not public.";

    /// <summary>
    /// False for loopback, "this network" (0/8, ::), private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT
    /// (100.64/10), link-local (169.254/16 with the cloud metadata address, fe80::/10), site-local, benchmarking,
    /// IETF-reserved, multicast and reserved addresses, also when embedded in IPv4-mapped, NAT64 or 6to4 IPv6 addresses.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] is 0 or 10 or 127 or >= 224
                     || (b[0] == 100 && (b[1] & 0xC0) == 64)
                     || (b[0] == 169 && b[1] == 254)
                     || (b[0] == 172 && (b[1] & 0xF0) == 16)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                     || (b[0] == 198 && (b[1] & 0xFE) == 18));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC)
        {
            return false;
        }

        // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address that decides.
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublic(new IPAddress(b.AsSpan(12, 4)));
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublic(new IPAddress(b.AsSpan(2, 4)));
        }

        // ::/96 holds ::, ::1 and the deprecated IPv4-compatible addresses: none is a public receiver.
        return b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) >= 0;
    }

    /// <summary>
    /// Whether a URL's host is known to be non-public without resolving it: <c>localhost</c> (and <c>*.localhost</c>)
    /// or an IP literal that is not <see cref="IsPublic"/>. Other names are checked when the dispatcher connects.
    /// </summary>
    public static bool IsKnownNonPublicHost(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = url.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
               && IPAddress.TryParse(host.Trim('[', ']'), out var address) && !IsPublic(address);
    }

    /// <summary>
    /// The <see cref="SocketsHttpHandler.ConnectCallback"/> of the <c>Webhooks</c> client: resolves the host and
    /// connects only to its public addresses (to any when <paramref name="allowPrivateNetworks"/>), so a name that
    /// resolves to this machine or the private network is refused at the moment of the request.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivateNetworks) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            var allowed = allowPrivateNetworks ? addresses : [.. addresses.Where(IsPublic)];
            if (allowed.Length == 0)
            {
                throw new WebhookAddressNotPublicException();
            }

            SocketException? last = null;
            foreach (var address in allowed)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            throw last!;
        };
}

/// <summary>The receiver's host resolved only to addresses that are not public; nothing was sent.</summary>
public sealed class WebhookAddressNotPublicException : Exception
{
    public WebhookAddressNotPublicException()
        : base(WebhookAddresses.NotPublicReason)
    {
    }

    public WebhookAddressNotPublicException(string message)
        : base(message)
    {
    }

    public WebhookAddressNotPublicException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
