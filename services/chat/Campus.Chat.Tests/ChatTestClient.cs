using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Campus.Chat.Data;
using Campus.Chat.Registry;
using Campus.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Chat.Tests;

internal static class ChatTestClient
{
    /// <summary>The node and token issuer of each client made by <see cref="ClientFor"/>, so helpers can act for others.</summary>
    private static readonly ConditionalWeakTable<HttpClient, Caller> Callers = new();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary><see cref="TestClients.ClientFor{TProgram}(WebApplicationFactory{TProgram}, TestJwtIssuer, Guid, string)"/>, remembering the node and issuer.</summary>
    public static HttpClient ClientFor(this WebApplicationFactory<Program> node, TestJwtIssuer jwt, Guid userId, string roles = "student")
    {
        var client = TestClients.ClientFor(node, jwt, userId, roles);
        Callers.AddOrUpdate(client, new Caller(node, jwt));
        return client;
    }

    /// <summary>
    /// Makes <paramref name="users"/> known to chat, as their <c>auth.user.registered</c> would (written straight to the
    /// table: the consumer itself is tested in <c>ChatConsentTests</c>).
    /// </summary>
    public static async Task RegisterAsync(this WebApplicationFactory<Program> node, params Guid[] users)
    {
        await using var scope = node.Services.CreateAsyncScope();
        await KnownUsers.RememberAsync(scope.ServiceProvider.GetRequiredService<ChatDbContext>(), users, TimeProvider.System, Ct);
    }

    /// <summary>A group of the owner with <paramref name="others"/> as members: registered, invited, and each accepting.</summary>
    public static async Task<Guid> CreateGroupAsync(this HttpClient owner, params Guid[] others)
    {
        var caller = Callers.TryGetValue(owner, out var found) ? found : throw new InvalidOperationException("Make the owner's client with ClientFor.");
        await caller.Node.RegisterAsync(others);
        var response = await owner.PostAsJsonAsync("/api/chat/chats", new { type = "group", title = "Team", participant_ids = others }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var chat = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        foreach (var other in others)
        {
            using var invitee = caller.Node.ClientFor(caller.Jwt, other);
            using var accepted = await invitee.PostAsync($"/api/chat/chats/{chat}/invitation/accept", null, Ct);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
        return chat;
    }

    public static async Task<JsonElement> PostMessageAsync(this HttpClient client, Guid chatId, string body, string? clientMsgId = null)
    {
        var response = await client.PostAsJsonAsync($"/api/chat/chats/{chatId}/messages",
            new { body, client_msg_id = clientMsgId ?? Guid.NewGuid().ToString() }, Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"post answered {(int)response.StatusCode}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private sealed record Caller(WebApplicationFactory<Program> Node, TestJwtIssuer Jwt);
}

/// <summary>A WebSocket client that reads frames in the background, so tests wait for frames with a timeout.</summary>
internal sealed class TestSocket : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reader;

    private TestSocket(WebSocket socket)
    {
        Socket = socket;
        _reader = ReadAsync();
    }

    public WebSocket Socket { get; }

    /// <summary>Connects through the in-memory server, the token offered as subprotocol <c>bearer.&lt;jwt&gt;</c> next to <c>campus.v1</c>.</summary>
    public static async Task<TestSocket> ConnectAsync(WebApplicationFactory<Program> node, string? token, Guid chatId, long? sinceSeq = null,
        bool tokenInHeader = false, string? query = null)
    {
        var client = node.Server.CreateWebSocketClient();
        client.SubProtocols.Add("campus.v1");
        if (token is not null && !tokenInHeader)
        {
            client.SubProtocols.Add("bearer." + token);
        }
        if (token is not null && tokenInHeader)
        {
            client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
        }
        var uri = new Uri(node.Server.BaseAddress, $"ws/chats/{chatId}{(sinceSeq is { } s ? $"?since_seq={s}" : query ?? "")}");
        var socket = await client.ConnectAsync(uri, ChatTestClient.Ct);
        return new TestSocket(socket);
    }

    /// <summary>The status of a refused handshake (the in-memory client throws "Incomplete handshake, status code: N").</summary>
    public static async Task<int> RefusedStatusAsync(Func<Task<TestSocket>> connect)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await connect());
        var text = error.Message;
        return int.Parse(text[(text.LastIndexOf(' ') + 1)..].TrimEnd('.'), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task SendAsync(object frame) =>
        await Socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, ChatTestClient.Ct);

    /// <summary>The next frame; fails after a timeout.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ChatTestClient.Ct);
        cts.CancelAfter(timeout ?? Timeout);
        return await _frames.Reader.ReadAsync(cts.Token);
    }

    /// <summary>The next frame of <paramref name="type"/>, skipping others (typing, read, ...).</summary>
    public async Task<JsonElement> NextAsync(string type)
    {
        while (true)
        {
            var frame = await NextAsync();
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }

    /// <summary>The seqs of the next <paramref name="count"/> message.created frames, in arrival order.</summary>
    public async Task<List<long>> CreatedSeqsAsync(int count)
    {
        var seqs = new List<long>();
        while (seqs.Count < count)
        {
            seqs.Add((await NextAsync("message.created")).GetProperty("message").GetProperty("seq").GetInt64());
        }
        return seqs;
    }

    /// <summary>True when no frame of <paramref name="type"/> arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> NoneAsync(string type, TimeSpan wait)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ChatTestClient.Ct);
            cts.CancelAfter(wait);
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (frame.GetProperty("type").GetString() == type)
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Waits until the server closed the socket (the frame channel completes).</summary>
    public async Task WaitClosedAsync()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ChatTestClient.Ct);
        cts.CancelAfter(Timeout);
        while (await _frames.Reader.WaitToReadAsync(cts.Token))
        {
            _frames.Reader.TryRead(out _);
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await Socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                _frames.Writer.TryWrite(JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone());
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
        }
        Socket.Dispose();
        await Task.WhenAny(_reader, Task.Delay(2000));
    }
}

