using System.Net;
using System.Security.Cryptography;

namespace Campus.ServiceDefaults.Tests;

/// <summary>One rule for "the same client" in every per-address limit: IPv6 by its /64, IPv4 as it is.</summary>
public sealed class ClientSourceTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("fe80::1%3", "fe80::/64")]
    [InlineData("::1", "::/64")]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    public void Addresses_are_keyed_ipv6_by_their_64_prefix_and_ipv4_as_they_are(string address, string key) =>
        Assert.Equal(key, ClientSource.Of(IPAddress.Parse(address)));

    [Fact]
    public void Every_address_of_one_64_is_one_key_and_the_next_64_another()
    {
        var keys = Enumerable.Range(0, 100)
            .Select(_ => new IPAddress([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, .. RandomNumberGenerator.GetBytes(8)]))
            .Select(ClientSource.Of)
            .Distinct();

        Assert.Equal("2001:db8:1:2::/64", Assert.Single(keys));
        Assert.NotEqual(ClientSource.Of(IPAddress.Parse("2001:db8:1:2::1")), ClientSource.Of(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void No_address_is_unknown() => Assert.Equal("unknown", ClientSource.Of((IPAddress?)null));
}
