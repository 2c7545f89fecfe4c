using System.Net;
using Campus.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Gateway.Tests;

/// <summary>A gateway whose profile route times out after 1 s.</summary>
public sealed class ShortTimeoutGatewayFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["ReverseProxy:Routes:profile:Timeout"] = "00:00:01";
            return settings;
        }
    }
}

public sealed class LimitsTests(ShortTimeoutGatewayFactory factory) : IClassFixture<ShortTimeoutGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Slow_service_answer_is_cut_at_the_route_timeout_with_504()
    {
        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/slow", factory.Jwt.CreateToken()), Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", Problems.Code(await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public void WebSocket_routes_have_no_request_timeout()
    {
        // The ws-* routes name no Timeout; the long ActivityTimeout of their clusters bounds only idle sockets.
        var routes = factory.Services.GetRequiredService<IConfiguration>().GetSection("ReverseProxy:Routes");

        foreach (var service in GatewayFactory.ServiceNames)
        {
            Assert.Null(routes[$"ws-{service}:Timeout"]);
            Assert.Equal($"{service}-ws", routes[$"ws-{service}:ClusterId"]);
        }
    }

    [Fact]
    public async Task Auth_body_over_the_route_limit_is_refused_with_413_problem()
    {
        using var content = new ByteArrayContent(new byte[(16 * 1024) + 1]);

        var response = await factory.CreateClient().PostAsync("/api/auth/phone/send-code", content, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", Problems.Code(await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task Chunked_auth_body_over_the_route_limit_is_not_forwarded_whole()
    {
        using var content = new StreamContent(new MemoryStream(new byte[64 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/phone/send-code") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await factory.CreateClient().SendAsync(request, Ct);

        Assert.False(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task Body_within_the_limit_is_forwarded()
    {
        using var content = new ByteArrayContent(new byte[1024]);

        var response = await factory.CreateClient().PostAsync("/api/auth/phone/send-code", content, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
