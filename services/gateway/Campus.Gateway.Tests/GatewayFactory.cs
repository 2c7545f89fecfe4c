using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campus.Gateway.Tests;

/// <summary>
/// A stand-in for a Campus service on real HTTP. By default it answers with the method and path it received;
/// a path containing <c>/echo</c> answers the headers it received as JSON; <c>/slow</c> answers after 3 s;
/// a WebSocket handshake is accepted (selecting <c>campus.v1</c> when offered) and its first message is the
/// handshake's <c>Authorization</c>, <c>Sec-WebSocket-Protocol</c>, path and the port that answered (<c>node</c>) as JSON.
/// </summary>
public sealed class UpstreamService : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _app = await LoopbackServer.StartAsync(app =>
        {
            app.UseWebSockets();
            app.Run(HandleAsync);
        });
        Address = _app.Address();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.WebSockets.IsWebSocketRequest)
        {
            var offered = context.WebSockets.WebSocketRequestedProtocols;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Contains("campus.v1") ? "campus.v1" : null);
            var hello = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["authorization"] = request.Headers.Authorization.ToString(),
                ["protocols"] = request.Headers.SecWebSocketProtocol.ToString(),
                ["path"] = request.Path.Value ?? "",
                ["node"] = context.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            await socket.SendAsync(hello, WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
            return;
        }
        if (request.Path.Value?.Contains("/slow", StringComparison.Ordinal) == true)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
        }
        if (request.Path.Value?.Contains("/echo", StringComparison.Ordinal) == true)
        {
            var headers = request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString());
            await context.Response.WriteAsJsonAsync(headers, context.RequestAborted);
            return;
        }
        await context.Response.WriteAsync($"{request.Method} {request.Path}{request.QueryString}", context.RequestAborted);
    }
}

/// <summary>
/// The gateway on real Kestrel (127.0.0.1, so client addresses, forwarded headers and WebSocket upgrades are real),
/// with every cluster pointed at one <see cref="UpstreamService"/> except chat's HTTP cluster, pointed at a closed port.
/// Chat's clusters have a second node (<c>chat-2</c>, as <c>./platform</c> runs them): the same upstream here.
/// </summary>
public class GatewayFactory : CampusHostFactory<Program>
{
    public static readonly string[] ServiceNames = ["auth", "profile", "content", "notifications", "chat", "analytics"];

    public GatewayFactory() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

    public UpstreamService Upstream { get; } = new();

    /// <summary>When set (before the server starts), chat's second node: a separate upstream, so tests see where a socket landed.</summary>
    protected UpstreamService? SecondChatNode { get; init; }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            foreach (var service in ServiceNames)
            {
                settings[$"ReverseProxy:Clusters:{service}:Destinations:default:Address"] =
                    service == "chat" ? "http://127.0.0.1:9/" : Upstream.Address;
                settings[$"ReverseProxy:Clusters:{service}-ws:Destinations:default:Address"] = Upstream.Address;
            }
            // The test client plays the edge from 127.0.0.1; other sources (127.0.0.2) are untrusted peers.
            settings["Gateway:TrustedProxies:0"] = "127.0.0.1";
            settings["ReverseProxy:Clusters:chat:Destinations:chat-2:Address"] = "http://127.0.0.1:9/";
            settings["ReverseProxy:Clusters:chat-ws:Destinations:chat-2:Address"] = SecondChatNode?.Address ?? Upstream.Address;
            // A route that forgets its AuthorizationPolicy: it must require a token anyway.
            settings["ReverseProxy:Routes:no-policy:ClusterId"] = "profile";
            settings["ReverseProxy:Routes:no-policy:Match:Path"] = "/api/no-policy/{**rest}";
            return settings;
        }
    }

    /// <summary>The gateway's address, e.g. <c>http://127.0.0.1:40123/</c> (starts the server).</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return ClientOptions.BaseAddress;
        }
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (e.g. 127.0.0.2: an untrusted peer).</summary>
    public HttpClient CreateClientFrom(IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = BaseAddress,
    };

    public override async ValueTask InitializeAsync()
    {
        await Upstream.InitializeAsync();
        if (SecondChatNode is not null)
        {
            await SecondChatNode.InitializeAsync();
        }
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Upstream.DisposeAsync();
        if (SecondChatNode is not null)
        {
            await SecondChatNode.DisposeAsync();
        }
    }
}

/// <summary>Request helpers shared by the gateway tests.</summary>
internal static class GatewayRequests
{
    public static HttpRequestMessage Get(string path, string? token = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    /// <summary>The headers the upstream received, by case-insensitive name.</summary>
    public static async Task<Dictionary<string, string>> EchoedHeadersAsync(this HttpResponseMessage response, CancellationToken cancel)
    {
        var body = await response.Content.ReadAsStringAsync(cancel);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(body)!;
        return new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
    }

    public static string Utf8(byte[] bytes, int count) => Encoding.UTF8.GetString(bytes, 0, count);
}
