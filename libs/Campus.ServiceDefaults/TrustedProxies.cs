using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Campus.ServiceDefaults;

/// <summary>
/// Whose <c>X-Forwarded-For</c> a host believes, from a configured list of entries (<c>Gateway:TrustedProxies</c>,
/// <c>Auth:TrustedProxies</c>): each an IP address (the local edge's or gateway's own source address) or a CIDR network
/// (in a cluster the ingress or gateway pods, whose addresses change). An entry that is neither stops the host at start.
/// </summary>
public static class TrustedProxies
{
    /// <summary>The end of the start-up error for a list with an invalid entry.</summary>
    public const string Rule = "each entry must be an IP address or a CIDR network (10.0.0.0/8).";

    /// <summary>Whether every entry is an address or a network.</summary>
    public static bool AreValid(IEnumerable<string> entries) => entries.All(entry => TryParse(entry, out _, out _));

    /// <summary>
    /// Believes <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> only from <paramref name="entries"/>, over at most
    /// <paramref name="hops"/> proxies; nothing else (not even loopback) is trusted.
    /// </summary>
    public static void Trust(this ForwardedHeadersOptions forwarded, IEnumerable<string> entries, int hops)
    {
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        forwarded.ForwardLimit = hops;
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (!TryParse(entry, out var address, out var network))
            {
                continue;
            }

            if (address is not null)
            {
                forwarded.KnownProxies.Add(address);
            }
            else
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        }
    }

    private static bool TryParse(string entry, out IPAddress? address, out IPNetwork network)
    {
        address = null;
        network = default;
        return entry.Contains('/', StringComparison.Ordinal)
            ? IPNetwork.TryParse(entry, out network)
            : IPAddress.TryParse(entry, out address);
    }
}
