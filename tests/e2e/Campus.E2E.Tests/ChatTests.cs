using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Campus.Testing;
using StackExchange.Redis;

namespace Campus.E2E.Tests;

/// <summary>
/// End-to-end acceptance, through the edge and the gateway to the two chat nodes (<c>chat</c> and
/// <c>chat-2</c>): a socket with the token in the subprotocol receives what is posted over REST, sockets spread over
/// both nodes all receive it, and the handshake is refused without a token (401), with the token only in the query
/// string (401) and for a non-participant (403).
/// </summary>
public sealed class ChatTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Socket_with_the_token_in_the_subprotocol_receives_a_message_posted_over_rest()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);

        using var socket = await ChatApi.ConnectAsync(bob, chatId);
        var clientMsgId = Guid.NewGuid().ToString();
        await ChatApi.PostAsync(alice, chatId, "hello over rest", clientMsgId);
        var message = await ChatApi.ReceiveCreatedAsync(socket, clientMsgId);

        Assert.Equal("campus.v1", socket.SubProtocol);
        Assert.Equal("hello over rest", message.GetProperty("body").GetString());
        Assert.Equal(alice.UserId, message.GetProperty("author_id").GetString(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(chatId, message.GetProperty("chat_id").GetString(), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sockets_of_two_users_spread_over_both_chat_nodes_all_receive_a_message()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.RedisConnectionString);

        // The gateway sends each socket to the node with fewer open sockets, so alice's and bob's land on different
        // nodes unless other sockets are open meanwhile: then more are opened until both nodes hold one. The proof is
        // in Redis: a node subscribes to a chat's channel while it holds sockets of that chat, so two subscribers =
        // sockets on both nodes.
        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 12 && await ChatApi.NodesHoldingAsync(redis, chatId, expected: 2) < 2; i++)
            {
                sockets.Add(await ChatApi.ConnectAsync(i % 2 == 0 ? alice : bob, chatId));
            }
            Assert.Equal(2, await ChatApi.NodesHoldingAsync(redis, chatId, expected: 2));

            var clientMsgId = Guid.NewGuid().ToString();
            await ChatApi.PostAsync(alice, chatId, "to every node", clientMsgId);
            var received = await Task.WhenAll(sockets.Select(socket => ChatApi.ReceiveCreatedAsync(socket, clientMsgId)));

            Assert.All(received, message => Assert.Equal("to every node", message.GetProperty("body").GetString()));
            Assert.Single(received.Select(message => message.GetProperty("seq").GetInt64()).Distinct());
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }
    }

    [Fact]
    public async Task Handshake_without_a_token_is_refused_with_401()
    {
        var status = await ChatApi.HandshakeStatusAsync($"ws/chats/{Guid.NewGuid()}", socket => socket.Options.AddSubProtocol("campus.v1"));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Handshake_with_the_token_only_in_the_query_string_is_refused_with_401()
    {
        var (alice, bob) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);

        var status = await ChatApi.HandshakeStatusAsync($"ws/chats/{chatId}?access_token={alice.AccessToken}",
            socket => socket.Options.AddSubProtocol("campus.v1"));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Handshake_of_a_non_participant_is_refused_with_403()
    {
        var (alice, bob, outsider) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(alice, bob);

        var status = await ChatApi.HandshakeStatusAsync($"ws/chats/{chatId}", socket => ChatApi.OfferToken(socket, outsider.AccessToken));

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }
}

/// <summary>Chat over the edge: REST calls and sockets (<c>Sec-WebSocket-Protocol: campus.v1, bearer.&lt;jwt&gt;</c>).</summary>
internal static class ChatApi
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Creates a group chat of <paramref name="owner"/>; each of <paramref name="participants"/> accepts the invitation.
    /// Chat learns new users from auth's <c>auth.user.registered</c>, so a user signed in a moment ago may still be
    /// unknown to it (422 <c>unknown_users</c>): the creation is retried for a few seconds.
    /// </summary>
    public static async Task<string> CreateGroupAsync(SignIn.Session owner, params SignIn.Session[] participants)
    {
        var body = new { type = "group", title = "e2e " + Guid.NewGuid().ToString("N")[..8], participant_ids = participants.Select(p => p.UserId).ToArray() };
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var response = await Api.SendAsync(owner, HttpMethod.Post, "api/chat/chats", body);
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
            {
                await Task.Delay(200, Ct);
                continue;
            }
            var chatId = (await Api.ExpectAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
            foreach (var participant in participants)
            {
                using var accepted = await Api.SendAsync(participant, HttpMethod.Post, $"api/chat/chats/{chatId}/invitation/accept");
                await Api.ExpectAsync(accepted, HttpStatusCode.OK);
            }
            return chatId;
        }
        throw new InvalidOperationException("chat did not learn the participants from auth's events within 10 s.");
    }

    /// <summary>Posts a message over REST; returns the stored message.</summary>
    public static Task<JsonElement> PostAsync(SignIn.Session author, string chatId, string body, string clientMsgId) =>
        SendAsync(author, HttpMethod.Post, $"api/chat/chats/{chatId}/messages", new { body, client_msg_id = clientMsgId }, HttpStatusCode.Created);

    public static void OfferToken(ClientWebSocket socket, string token)
    {
        socket.Options.AddSubProtocol("campus.v1");
        socket.Options.AddSubProtocol($"bearer.{token}");
    }

    /// <summary>An open socket on <c>/ws/chats/{id}</c> through the edge, the token in the subprotocol.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(SignIn.Session session, string chatId)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        OfferToken(socket, session.AccessToken);
        try
        {
            await socket.ConnectAsync(WsUrl($"ws/chats/{chatId}"), Ct);
            return socket;
        }
        catch (WebSocketException ex)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new InvalidOperationException($"the handshake on /ws/chats/{chatId} answered {(int)status}", ex);
        }
    }

    /// <summary>Reads frames until the <c>message.created</c> of <paramref name="clientMsgId"/>; returns its message.</summary>
    public static async Task<JsonElement> ReceiveCreatedAsync(ClientWebSocket socket, string clientMsgId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(ReceiveTimeout);
        var seen = new List<string>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var frame = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, timeout.Token);
                    frame.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                Assert.True(result.MessageType == WebSocketMessageType.Text,
                    $"the socket was closed ({socket.CloseStatus} {socket.CloseStatusDescription}) after: {string.Join(" | ", seen)}");

                var json = Encoding.UTF8.GetString(frame.ToArray());
                seen.Add(json);
                var root = JsonDocument.Parse(json).RootElement;
                if (root.GetProperty("type").GetString() == "message.created"
                    && root.GetProperty("message").GetProperty("client_msg_id").GetString() == clientMsgId)
                {
                    return root.GetProperty("message").Clone();
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail($"no message.created of {clientMsgId} within {ReceiveTimeout.TotalSeconds} s; frames: {string.Join(" | ", seen)}");
            throw;
        }
    }

    /// <summary>
    /// How many chat nodes hold sockets of <paramref name="chatId"/>: the subscribers of its Redis channel
    /// (<c>campus:chat:{id}</c>). A node subscribes right after the handshake, so this waits up to 5 s for
    /// <paramref name="expected"/>.
    /// </summary>
    public static async Task<long> NodesHoldingAsync(IConnectionMultiplexer redis, string chatId, int expected)
    {
        var channel = $"campus:chat:{chatId}";
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            // PUBSUB NUMSUB answers [channel, count].
            var reply = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
            var count = (long)reply[1];
            if (count >= expected || DateTime.UtcNow > deadline)
            {
                return count;
            }
            await Task.Delay(100, Ct);
        }
    }

    /// <summary>The HTTP status of a WebSocket handshake through the edge (101 when it opened; then closed again).</summary>
    public static async Task<HttpStatusCode> HandshakeStatusAsync(string path, Action<ClientWebSocket> configure)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure(socket);
        try
        {
            await socket.ConnectAsync(WsUrl(path), Ct);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        }
        catch (WebSocketException)
        {
            // The status of a refused handshake is in HttpStatusCode.
        }
        return socket.HttpStatusCode;
    }

    private static Uri WsUrl(string path) => new UriBuilder(new Uri(Platform.EdgeUrl, path)) { Scheme = "ws" }.Uri;

    private static async Task<JsonElement> SendAsync(SignIn.Session session, HttpMethod method, string path, object body, HttpStatusCode expected)
    {
        using var response = await Api.SendAsync(session, method, path, body);
        return await Api.ExpectAsync(response, expected);
    }
}
