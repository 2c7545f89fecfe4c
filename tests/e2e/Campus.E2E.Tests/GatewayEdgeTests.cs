using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// Acceptance, black-box through the edge: the gateway's JWT checks and 401 contract, header hygiene,
/// per-IP limits, WebSocket handshakes, and the edge's headers on every answer.
/// </summary>
/// <remarks>
/// The platform's tokens are signed by the auth service's own key, which a test cannot use, so refused tokens are
/// crafted here (with a key nobody trusts, or no key at all). Each kind's claim check on its own, with a trusted key,
/// is in services/gateway/Campus.Gateway.Tests. Accepted tokens come from auth's phone sign-in (<see cref="SignIn"/>).
/// </remarks>
public sealed class GatewayEdgeTests
{
    private const string Protected = "api/profile/profiles/me";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> BadTokens => new(["none", "malformed", "wrong_signature", "alg_none", "hs256_with_public_key",
        "expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "unknown_kid"]);

    /// <summary>
    /// Per-IP limits count the address the edge saw: a client's own X-Forwarded-For, sent through the edge (which
    /// overwrites it) or straight to the gateway's port from another local address than the edge's, chooses nothing.
    /// The proof is in Redis: the gateway's counter key names the address it counted.
    /// </summary>
    [Fact]
    public async Task A_spoofed_x_forwarded_for_cannot_choose_the_address_rate_limits_count()
    {
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestInfrastructure.RedisConnectionString);
        var spoofed = $"203.0.113.{Random.Shared.Next(1, 255)}";
        var key = $"campus:gateway:rl:AuthPerIp:{spoofed}";
        await redis.GetDatabase().KeyDeleteAsync(key);

        foreach (var root in new[] { Platform.EdgeUrl, Platform.HostUrl("gateway") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "api/auth/email/login"))
            {
                Content = new StringContent("{}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Forwarded-For", spoofed);
            request.Headers.Add("X-Real-IP", spoofed);
            using var response = await Http.Client.SendAsync(request, Ct);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        Assert.False(await redis.GetDatabase().KeyExistsAsync(key), $"the gateway counted a request at the spoofed {spoofed}");
        Assert.True(await redis.GetDatabase().KeyExistsAsync("campus:gateway:rl:AuthPerIp:127.0.0.1"), "the requests were not counted at 127.0.0.1");
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Protected_route_refuses_a_missing_or_bad_token_with_401_invalid_token(string kind)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.EdgeUrl, Protected));
        if (await Tokens.BadAsync(kind) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.Client.SendAsync(request, Ct);

        await AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Client_sent_identity_headers_do_not_replace_a_token()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.EdgeUrl, "api/auth/me"));
        request.Headers.Add("X-User-Id", Guid.NewGuid().ToString());
        request.Headers.Add("X-User-Roles", "admin");

        using var response = await Http.Client.SendAsync(request, Ct);

        await AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Valid_token_reaches_the_service_and_a_spoofed_user_id_does_not()
    {
        var session = await SignIn.PhoneAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.EdgeUrl, "api/auth/me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        request.Headers.Add("X-User-Id", Guid.NewGuid().ToString());

        using var response = await Http.Client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/auth/me answered {(int)response.StatusCode}: {body}");
        Assert.Contains(session.UserId, body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Auth_burst_from_one_client_ip_gets_429_and_another_ip_is_not_affected()
    {
        var url = new Uri(Platform.EdgeUrl, "api/auth/phone/send-code");
        using var noisy = ClientFrom("127.0.0.2");
        using var quiet = ClientFrom("127.0.0.3");

        // Well past the edge's burst (20 r/s, burst 40), all at once; an empty body, so nothing is sent to anyone.
        var responses = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => noisy.PostAsync(url, Json("{}"), Ct)));
        using var other = await quiet.PostAsync(url, Json("{}"), Ct);
        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(limited);
            Assert.True(limited[0].Headers.RetryAfter is not null, "429 without Retry-After");
            Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
            Assert.Equal("rate_limited", Code(await limited[0].Content.ReadAsStringAsync(Ct)));
            AssertSecurityHeaders(limited[0]);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    public static TheoryData<string, int> Answers => new()
    {
        { "api/auth/healthz", 200 },
        { Protected, 401 },
        { "api/no-such-service/x", 404 },
        { "no-such-page", 404 },
        { "readyz", 404 },
        { "metrics", 404 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Security_headers_are_on_success_and_error_answers(string path, int status)
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, path), Ct);

        Assert.Equal(status, (int)response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task Edge_access_log_is_json_without_query_strings()
    {
        var marker = Guid.NewGuid().ToString("N");
        var agent = "e2e-" + Guid.NewGuid().ToString("N"); // finds this request's line
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.EdgeUrl, $"api/auth/healthz?secret={marker}"));
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        using var _ = await Http.Client.SendAsync(request, Ct);

        var log = Path.Combine(Platform.DataDir, "logs", "edge-access.log");
        var line = "";
        await Wait.UntilAsync(() => (line = File.ReadLines(log).LastOrDefault(l => l.Contains(agent, StringComparison.Ordinal)) ?? "") != "");

        Assert.DoesNotContain(marker, line, StringComparison.Ordinal);
        var entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal("/api/auth/healthz", entry.GetProperty("path").GetString());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task WebSocket_handshake_without_a_token_is_refused_with_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatusAsync("ws/chat/live", socket => socket.Options.AddSubProtocol("campus.v1")));
    }

    [Fact]
    public async Task WebSocket_handshake_with_the_token_only_in_the_query_string_is_refused_with_401()
    {
        var token = Tokens.Untrusted().CreateToken();

        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatusAsync($"ws/chat/live?access_token={token}", _ => { }));
    }

    [Fact]
    public async Task WebSocket_handshake_with_a_bad_subprotocol_token_is_refused_with_401()
    {
        var token = Tokens.Untrusted().CreateToken();

        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatusAsync("ws/chat/live", socket =>
        {
            socket.Options.AddSubProtocol("campus.v1");
            socket.Options.AddSubProtocol($"bearer.{token}");
        }));
    }

    [Fact]
    public async Task WebSocket_handshake_with_a_valid_subprotocol_token_passes_edge_and_gateway()
    {
        var (session, other) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        // A real socket: a chat of the signed-in user (the chat nodes refuse anyone else's handshake with 403).
        var chatId = await ChatApi.CreateGroupAsync(session, other);

        var status = await HandshakeStatusAsync($"ws/chats/{chatId}", socket =>
        {
            socket.Options.AddSubProtocol("campus.v1");
            socket.Options.AddSubProtocol($"bearer.{session.AccessToken}");
        });

        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
    }

    internal static async Task AssertInvalidTokenAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}: {body}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unauthorized", Code(body));
        AssertSecurityHeaders(response);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("max-age=31536000; includeSubDomains", Header(response, "Strict-Transport-Security"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.All(response.Headers.Server, server => Assert.Null(server.Product?.Version));
    }

    private static async Task<HttpStatusCode> HandshakeStatusAsync(string path, Action<ClientWebSocket> configure)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure(socket);
        var url = new UriBuilder(new Uri(Platform.EdgeUrl, path)) { Scheme = "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(url, Ct);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        }
        catch (WebSocketException)
        {
            // The status of a refused handshake is in HttpStatusCode.
        }
        return socket.HttpStatusCode;
    }

    /// <summary>A client whose connections leave from <paramref name="source"/>: the edge sees another client IP.</summary>
    internal static HttpClient ClientFrom(string source) => Http.Create(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>Refused tokens, crafted without the auth service's key.</summary>
    private static class Tokens
    {
        private static readonly TestJwtIssuer Issuer = new();

        /// <summary>An issuer with keys the platform never published (its JWKS server is never started).</summary>
        public static TestJwtIssuer Untrusted() => Issuer;

        public static async Task<string?> BadAsync(string kind)
        {
            var now = DateTime.UtcNow;
            var jwks = await PublishedKeySetAsync();
            return kind switch
            {
                "none" => null,
                "malformed" => "not.a.jwt",
                "wrong_signature" => ForgedTokens.WithKid(Issuer.CreateToken(), jwks.Kid ?? "unknown"),
                "alg_none" => ForgedTokens.Unsigned(Issuer.CreateToken()),
                "hs256_with_public_key" => ForgedTokens.HmacSignedWithPublicKeySet(Issuer.CreateToken(), jwks.Document, jwks.Kid),
                "expired" => Issuer.CreateToken(notBefore: now.AddHours(-2), lifetime: TimeSpan.FromHours(1)),
                "not_yet_valid" => Issuer.CreateToken(notBefore: now.AddMinutes(10)),
                "wrong_issuer" => Issuer.CreateToken(issuer: "someone-else"),
                "wrong_audience" => Issuer.CreateToken(audience: "another-api"),
                "unknown_kid" => ForgedTokens.WithKid(Issuer.CreateToken(), Guid.NewGuid().ToString("N")),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
        }

        /// <summary>The platform's published key set (empty when auth does not publish one yet).</summary>
        private static async Task<(string Document, string? Kid)> PublishedKeySetAsync()
        {
            var (status, body) = await Http.TryGetAsync(new Uri(Platform.EdgeUrl, "api/auth/.well-known/jwks.json"), Ct);
            if (status != 200)
            {
                return ("{\"keys\":[]}", null);
            }
            return (body, ForgedTokens.FirstKid(body));
        }
    }
}
