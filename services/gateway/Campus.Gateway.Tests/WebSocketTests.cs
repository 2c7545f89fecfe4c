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

        await socket.ConnectAsync(Url("/ws/chats/42?since_seq=7"), Ct);
        var hello = await ReceiveAsync(socket);

        Assert.Equal("campus.v1", socket.SubProtocol);
        // The service sees the token as a normal Authorization header and never the bearer.* subprotocol.
        Assert.Equal($"Bearer {token}", hello["authorization"]);
        Assert.Equal("campus.v1", hello["protocols"]);
        Assert.Equal("/ws/chats/42", hello["path"]);
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

    internal static async Task<HttpStatusCode> RefusedStatusAsync(Uri url, Action<ClientWebSocket> configure)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure(socket);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, Ct));
        return socket.HttpStatusCode;
    }

    internal static async Task<Dictionary<string, string>> ReceiveAsync(ClientWebSocket socket)
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

/// <summary>The gateway with chat's second node on an upstream of its own.</summary>
public sealed class TwoChatNodesFactory : GatewayFactory
{
    public TwoChatNodesFactory() => SecondChatNode = new UpstreamService();
}

public sealed class ChatNodesTests(TwoChatNodesFactory factory) : IClassFixture<TwoChatNodesFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chat_sockets_are_spread_evenly_over_both_chat_nodes()
    {
        var token = factory.Jwt.CreateToken();
        var sockets = new List<ClientWebSocket>();
        var nodes = new List<string>();
        try
        {
            // Each socket stays open (the upstream waits for the close handshake), so the cluster's LeastRequests
            // policy sees the open sockets of each node and sends the next one to the emptier node.
            for (var i = 0; i < 6; i++)
            {
                var socket = new ClientWebSocket();
                sockets.Add(socket);
                socket.Options.AddSubProtocol("campus.v1");
                socket.Options.AddSubProtocol($"bearer.{token}");
                await socket.ConnectAsync(new Uri($"ws://{factory.BaseAddress.Authority}/ws/chats/{i}"), Ct);
                nodes.Add((await WebSocketTests.ReceiveAsync(socket))["node"]);
            }
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }

        var perNode = nodes.GroupBy(node => node).Select(group => group.Count()).ToList();
        Assert.Equal([3, 3], perNode);
    }
}

/// <summary>The gateway with chat's second node down (a closed port) and active health checks every second.</summary>
public sealed class DeadChatNodeFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["ReverseProxy:Clusters:chat-ws:Destinations:chat-2:Address"] = "http://127.0.0.1:9/";
            settings["ReverseProxy:Clusters:chat-ws:HealthCheck:Active:Interval"] = "00:00:01";
            settings["ReverseProxy:Clusters:chat-ws:HealthCheck:Active:Timeout"] = "00:00:01";
            return settings;
        }
    }
}

public sealed class DeadChatNodeTests(DeadChatNodeFactory factory) : IClassFixture<DeadChatNodeFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_chat_node_whose_readyz_fails_gets_no_sockets_once_the_active_check_has_seen_it()
    {
        // Without the health check LeastRequests sends every second socket to the dead node (502). With it, once two
        // probes of /readyz have failed, every socket goes to the live node.
        var token = factory.Jwt.CreateToken();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var sockets = new List<ClientWebSocket>();
            var nodes = new List<string>();
            try
            {
                for (var i = 0; i < 4; i++)
                {
                    var socket = new ClientWebSocket();
                    sockets.Add(socket);
                    socket.Options.AddSubProtocol("campus.v1");
                    socket.Options.AddSubProtocol($"bearer.{token}");
                    await socket.ConnectAsync(new Uri($"ws://{factory.BaseAddress.Authority}/ws/chats/{i}"), Ct);
                    nodes.Add((await WebSocketTests.ReceiveAsync(socket))["node"]);
                }
                // Four sockets in a row, all open and all on the one live node.
                Assert.All(sockets, socket => Assert.Equal(WebSocketState.Open, socket.State));
                Assert.Equal(4, nodes.Count);
                Assert.Single(nodes.Distinct());
                return;
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, Ct);
            }
            finally
            {
                sockets.ForEach(socket => socket.Dispose());
            }
        }
    }
}
