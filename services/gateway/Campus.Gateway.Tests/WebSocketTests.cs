using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Campus.Gateway.Tests;

public sealed class WebSocketTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Url(string pathAndQuery) => new($"ws://{factory.BaseAddress.Authority}{pathAndQuery}");

    [Fact]
    public async Task Token_in_the_subprotocol_opens_the_socket_selecting_campus_v1()
    {
        var token = factory.Jwt.CreateToken();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("campus.v1");
        socket.Options.AddSubProtocol($"bearer.{token}");

        await socket.ConnectAsync(Url("/ws/chat/rooms/1"), Ct);
        var hello = await ReceiveAsync(socket);

        Assert.Equal("campus.v1", socket.SubProtocol);
        // The service sees the token as a normal Authorization header and never the bearer.* subprotocol.
        Assert.Equal($"Bearer {token}", hello["authorization"]);
        Assert.Equal("campus.v1", hello["protocols"]);
        Assert.Equal("/ws/chat/rooms/1", hello["path"]);
    }

    [Fact]
    public async Task Token_in_the_authorization_header_opens_the_socket()
    {
        var token = factory.Jwt.CreateToken();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");

        await socket.ConnectAsync(Url("/ws/notifications/live"), Ct);
        var hello = await ReceiveAsync(socket);

        Assert.Equal($"Bearer {token}", hello["authorization"]);
    }

    [Fact]
    public async Task Handshake_without_a_token_is_refused_with_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(Url("/ws/chat/rooms/1"), socket => socket.Options.AddSubProtocol("campus.v1")));
    }

    [Fact]
    public async Task Token_only_in_the_query_string_is_refused_with_401()
    {
        var token = factory.Jwt.CreateToken();

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(Url($"/ws/chat/rooms/1?access_token={token}"), _ => { }));
    }

    [Fact]
    public async Task Bad_token_in_the_subprotocol_is_refused_with_401()
    {
        var expired = factory.Jwt.CreateToken(notBefore: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedStatusAsync(Url("/ws/chat/rooms/1"), socket =>
        {
            socket.Options.AddSubProtocol("campus.v1");
            socket.Options.AddSubProtocol($"bearer.{expired}");
        }));
    }

    private static async Task<HttpStatusCode> RefusedStatusAsync(Uri url, Action<ClientWebSocket> configure)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure(socket);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, Ct));
        return socket.HttpStatusCode;
    }

    private static async Task<Dictionary<string, string>> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        var result = await socket.ReceiveAsync(buffer, Ct);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(buffer.AsSpan(0, result.Count))!;
    }

    [Fact]
    public async Task Subprotocol_token_on_a_plain_http_request_is_not_a_token()
    {
        using var request = GatewayRequests.Get("/api/profile/x", null, ("Sec-WebSocket-Protocol", $"campus.v1, bearer.{factory.Jwt.CreateToken()}"));

        var response = await factory.CreateClient().SendAsync(request, Ct);

        await AuthenticationTests.AssertInvalidTokenAsync(response);
    }
}
