using System.Net;
using System.Text.RegularExpressions;

namespace Campus.Gateway.Tests;

public sealed partial class HeaderHygieneTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Name, string Value)[] Spoofed =
    [
        ("X-User-Id", "00000000-0000-0000-0000-000000000001"),
        ("x-user-roles", "admin"),
        ("X-USER-EMAIL", "boss@example.com"),
        ("X-Session-Id", "stolen"),
        ("X-Request-Id", "client-chosen"),
        ("X-Forwarded-For", "198.51.100.1"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Prefix", "/admin"),
        ("Forwarded", "for=198.51.100.1;proto=https"),
        ("X-Real-IP", "198.51.100.1"),
        ("X-Internal-Caller", "analytics"),
        ("x-internal-bypass", "true"),
        ("X-Original-For", "198.51.100.1"),
    ];

    public static TheoryData<string> Routes => new(["/api/profile/echo", "/api/auth/phone/echo", "/api/auth/echo"]);

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Client_sent_identity_and_forwarding_headers_never_reach_the_service(string path)
    {
        // From 127.0.0.2: not the trusted edge, so its X-Forwarded-For is not believed either.
        using var client = factory.CreateClientFrom(IPAddress.Parse("127.0.0.2"));

        var headers = await (await client.SendAsync(GatewayRequests.Get(path, factory.Jwt.CreateToken(), Spoofed), Ct)).EchoedHeadersAsync(Ct);

        foreach (var (name, value) in Spoofed)
        {
            Assert.False(headers.TryGetValue(name, out var received) && received.Contains(value, StringComparison.Ordinal),
                $"{name}: {value} reached the service");
        }
        Assert.DoesNotContain(headers.Keys, name => name.StartsWith("X-Internal-", StringComparison.OrdinalIgnoreCase));
        Assert.False(headers.ContainsKey("Forwarded"));
        Assert.False(headers.ContainsKey("X-Real-IP"));
        Assert.Equal("127.0.0.2", headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task Identity_headers_come_from_the_verified_token_and_authorization_is_kept()
    {
        var userId = Guid.NewGuid();
        var token = factory.Jwt.CreateToken(userId, roles: "student author");

        var headers = await (await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/echo", token, Spoofed), Ct)).EchoedHeadersAsync(Ct);

        Assert.Equal(userId.ToString(), headers["X-User-Id"]);
        Assert.Equal("student author", headers["X-User-Roles"]);
        Assert.Matches(GuidPattern(), headers["X-Session-Id"]);
        Assert.Equal($"Bearer {token}", headers["Authorization"]);
    }

    [Fact]
    public async Task Anonymous_request_carries_no_identity_headers()
    {
        var headers = await (await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null, Spoofed), Ct)).EchoedHeadersAsync(Ct);

        Assert.DoesNotContain(headers.Keys, name => name.StartsWith("X-User-", StringComparison.OrdinalIgnoreCase));
        Assert.False(headers.ContainsKey("X-Session-Id"));
    }

    [Fact]
    public async Task Every_request_gets_a_fresh_trace_whatever_trace_context_the_client_sent()
    {
        using var client = factory.CreateClient();
        var traceId = "0af7651916cd43dd8448eb211c80319c";
        var first = await (await client.SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null, ("X-Request-Id", "mine"),
            ("traceparent", $"00-{traceId}-b7ad6b7169203331-01"), ("tracestate", "client=chosen"), ("baggage", "user=someone")), Ct))
            .EchoedHeadersAsync(Ct);
        var second = await (await client.SendAsync(GatewayRequests.Get("/api/auth/phone/echo"), Ct)).EchoedHeadersAsync(Ct);

        Assert.Matches(TraceIdPattern(), first["X-Request-Id"]);
        Assert.Matches(TraceIdPattern(), second["X-Request-Id"]);
        Assert.NotEqual(first["X-Request-Id"], second["X-Request-Id"]);
        // The request id is the W3C trace id the service sees in traceparent, so logs of both hosts line up.
        Assert.Contains(first["X-Request-Id"], first["traceparent"], StringComparison.Ordinal);
        // The client's trace context is not continued: the gateway roots a trace of its own.
        Assert.NotEqual(traceId, first["X-Request-Id"]);
        Assert.False(first.ContainsKey("tracestate"));
        Assert.False(first.ContainsKey("baggage"));
    }

    [Fact]
    public async Task Client_address_comes_from_the_trusted_edge_forwarded_for()
    {
        // The edge (127.0.0.1) overwrites X-Forwarded-For with the address it saw; the gateway appends the edge.
        var headers = await (await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null,
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")), Ct)).EchoedHeadersAsync(Ct);

        Assert.Equal("203.0.113.7, 127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Equal("https", headers["X-Forwarded-Proto"]);
    }

    [Fact]
    public async Task Only_the_last_forwarded_for_entry_is_believed()
    {
        // A client may send its own X-Forwarded-For through a proxy that appends; only the entry the edge added counts.
        var headers = await (await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/auth/phone/echo", null,
            ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")), Ct)).EchoedHeadersAsync(Ct);

        Assert.Equal("203.0.113.7, 127.0.0.1", headers["X-Forwarded-For"]);
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex GuidPattern();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex TraceIdPattern();
}
