using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Campus.ServiceDefaults;

/// <summary>
/// The one rule for "the same client" wherever a limit is counted per address (the gateway's per-IP limits, auth's
/// sign-in sources): an IPv4 address as it is (an IPv4-mapped IPv6 address is its IPv4 address), an IPv6 address by its
/// /64 prefix, written <c>2001:db8:1:2::/64</c>. One subscriber gets a whole /64 and could otherwise take a fresh
/// address for every request.
/// </summary>
public static class ClientSource
{
    /// <summary>The key of <see cref="ConnectionInfo.RemoteIpAddress"/> (after the trusted forwarded headers), or <c>unknown</c>.</summary>
    public static string Of(HttpContext context) => Of(context.Connection.RemoteIpAddress);

    /// <summary>The key of <paramref name="address"/>: IPv4 as it is, IPv6 by its /64 prefix; <c>unknown</c> for none.</summary>
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
