using System.Net;
using System.Net.Http.Json;

namespace Campus.Auth.Tests;

/// <summary>An auth host that trusts only the gateway's address (127.0.0.10), while the test server's peer is 127.0.0.1.</summary>
public sealed class GatewayOnlyProxyFactory : AuthFactory
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:TrustedProxies:0"] = "127.0.0.10",
    };
}

/// <summary>Per-source limits count the address a trusted proxy saw, never one a client wrote itself.</summary>
public sealed class ForwardedHeadersTests(GatewayOnlyProxyFactory factory) : IClassFixture<GatewayOnlyProxyFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_local_process_that_is_not_a_trusted_proxy_cannot_choose_its_source_with_x_forwarded_for()
    {
        // Each request claims another client address; the peer (127.0.0.1) is not a trusted proxy, so all five count
        // against 127.0.0.1 and the sixth is over the per-source limit.
        for (var i = 0; i < 5; i++)
        {
            using var client = factory.ClientFrom(AuthFactory.NewIp());
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct)).StatusCode);
        }
        using var spoofing = factory.ClientFrom(AuthFactory.NewIp());

        var limited = await spoofing.PostAsJsonAsync("/api/auth/phone/send-code", new { phone = AuthFactory.NewPhone() }, Ct);

        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "otp_rate_limited");
    }
}
