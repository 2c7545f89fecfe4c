using System.Net;

namespace Campus.Gateway.Tests;

/// <summary>
/// A gateway that trusts the edge as a network, as in a cluster (the ingress controller's pods): 127.0.0.0/30 holds
/// 127.0.0.1 and 127.0.0.2, not 127.0.0.5.
/// </summary>
public sealed class TrustedNetworkGatewayFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Gateway:TrustedProxies:0"] = "127.0.0.0/30";
            return settings;
        }
    }
}

/// <summary>A gateway whose trusted proxy is neither an address nor a network.</summary>
public sealed class BadTrustedProxyGatewayFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Gateway:TrustedProxies:0"] = "the-edge";
            return settings;
        }
    }
}

/// <summary><c>Gateway:TrustedProxies</c> entries may be CIDR networks: the ingress pods' addresses change.</summary>
public sealed class TrustedNetworkTests(TrustedNetworkGatewayFactory factory) : IClassFixture<TrustedNetworkGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forwarded_for_is_believed_from_any_address_of_a_trusted_network()
    {
        using var client = factory.CreateClientFrom(IPAddress.Parse("127.0.0.2"));

        var headers = await (await client.SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null,
            ("X-Forwarded-For", "203.0.113.7")), Ct)).EchoedHeadersAsync(Ct);

        Assert.Equal("203.0.113.7, 127.0.0.2", headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task Forwarded_for_is_not_believed_from_outside_the_network()
    {
        using var client = factory.CreateClientFrom(IPAddress.Parse("127.0.0.5"));

        var headers = await (await client.SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null,
            ("X-Forwarded-For", "203.0.113.7")), Ct)).EchoedHeadersAsync(Ct);

        Assert.Equal("127.0.0.5", headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task An_entry_that_is_neither_an_address_nor_a_network_stops_the_host_at_start()
    {
        await using var bad = new BadTrustedProxyGatewayFactory();
        await bad.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => bad.CreateClient());

        Assert.Contains("Gateway:TrustedProxies: each entry must be an IP address or a CIDR network", error.ToString(), StringComparison.Ordinal);
    }
}
