using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Campus.Chat.Realtime;
using Campus.Testing;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>A node on real Kestrel, so sockets are real TCP: a client that stops reading pushes back, pings need pongs.</summary>
public abstract class KestrelChatFactoryBase : ChatFactory
{
    protected KestrelChatFactoryBase(Dictionary<string, string?> extra)
    {
        Extra = extra;
        // A constrained network: a small kernel send buffer per connection (Linux would otherwise buffer up to 4 MB).
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.SendBufferSize = 16 * 1024;
            }
            return next(connection);
        })));
    }

    public Uri SocketUri(Guid chat)
    {
        StartServer();
        return new Uri(new Uri(ClientOptions.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal)), $"ws/chats/{chat}");
    }

    public async Task<ClientWebSocket> ConnectAsync(Guid user, Guid chat, HttpMessageInvoker? invoker = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("campus.v1");
        socket.Options.AddSubProtocol("bearer." + Jwt.CreateToken(user));
        await socket.ConnectAsync(SocketUri(chat), invoker, Ct);
        return socket;
    }

    public async Task WaitForSocketsAsync(int count)
    {
        var fanout = Services.GetRequiredService<ChatFanout>();
        await Wait.UntilAsync(() => fanout.ConnectionCount == count, seconds: 5,
            because: () => $"{fanout.ConnectionCount} sockets instead of {count}", intervalMs: 20);
    }
}

/// <summary>Send queues of 32 frames; the per-user post budget out of the way (the tests flood on purpose).</summary>
public sealed class KestrelChatFactory() : KestrelChatFactoryBase(new() { ["Chat:SendQueueSize"] = "32", ["Chat:MaxPostsPerUser"] = "100000" });

/// <summary>A ping every second; no pong within a second closes the socket.</summary>
public sealed class KeepAliveChatFactory() : KestrelChatFactoryBase(new()
{
    ["Chat:KeepAliveInterval"] = "00:00:01",
    ["Chat:KeepAliveTimeout"] = "00:00:01",
});

public sealed class KeepAliveTests(KeepAliveChatFactory factory) : IClassFixture<KeepAliveChatFactory>
{
    [Fact]
    public async Task A_client_that_answers_no_pings_is_dropped_and_a_live_one_stays()
    {
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        using var aliceClient = factory.ClientFor(factory.Jwt, alice);
        var chat = await aliceClient.CreateGroupAsync(bob);
        var liveFrames = new ServerFrameCounter();
        using var live = await factory.ConnectAsync(alice, chat, liveFrames.Invoker());
        // ClientWebSocket answers pings only while a receive is pending: the dead one never receives.
        using var dead = await factory.ConnectAsync(bob, chat);
        var receiving = live.ReceiveAsync(new byte[4096], Ct);
        await factory.WaitForSocketsAsync(2);

        await factory.WaitForSocketsAsync(1);
        // The signal that the live one stays: two more pings reach it, so it answered the first in time.
        var pings = liveFrames.Pings;
        await Wait.UntilAsync(() => liveFrames.Pings >= pings + 2, seconds: 10,
            because: () => $"{liveFrames.Pings - pings} pings reached the live client", intervalMs: 50);
        Assert.Equal(WebSocketState.Open, live.State);
        await aliceClient.PostMessageAsync(chat, "still here");
        var result = await receiving;
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
    }
}

/// <summary>Counts the ping frames a client connection receives, by parsing the server's (unmasked) frames.</summary>
public sealed class ServerFrameCounter
{
    private int _pings;

    public int Pings => Volatile.Read(ref _pings);

    public HttpMessageInvoker Invoker() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(context.DnsEndPoint, cancel);
            return new CountingStream(new NetworkStream(socket, ownsSocket: true), this);
        },
    });

    private sealed class CountingStream(Stream inner, ServerFrameCounter counter) : Stream
    {
        private bool _upgraded;
        private int _headerEnd; // how far the "\r\n\r\n" that ends the HTTP response was matched
        private readonly List<byte> _header = [];
        private long _skip;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Parse(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Parse(buffer.AsSpan(offset, read));
            return read;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();

        private void Parse(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (!_upgraded)
                {
                    _headerEnd = b == "\r\n\r\n"[_headerEnd] ? _headerEnd + 1 : b == '\r' ? 1 : 0;
                    _upgraded = _headerEnd == 4;
                    continue;
                }
                if (_skip > 0)
                {
                    _skip--;
                    continue;
                }
                _header.Add(b);
                if (FrameHeader() is { } payload)
                {
                    if ((_header[0] & 0x0F) == 0x9)
                    {
                        Interlocked.Increment(ref counter._pings);
                    }
                    _header.Clear();
                    _skip = payload;
                }
            }
        }

        /// <summary>The payload length once the header is complete (server frames carry no mask).</summary>
        private long? FrameHeader()
        {
            if (_header.Count < 2)
            {
                return null;
            }
            var length = _header[1] & 0x7F;
            var extra = length switch { 126 => 2, 127 => 8, _ => 0 };
            if (_header.Count < 2 + extra)
            {
                return null;
            }
            long payload = extra == 0 ? length : 0;
            for (var i = 0; i < extra; i++)
            {
                payload = payload << 8 | _header[2 + i];
            }
            return payload;
        }
    }
}

public sealed class SlowConsumerTests(KestrelChatFactory factory) : IClassFixture<KestrelChatFactory>
{
    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_without_stalling_the_others()
    {
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        using var aliceClient = factory.ClientFor(factory.Jwt, alice);
        var chat = await aliceClient.CreateGroupAsync(bob);
        using var fast = await factory.ConnectAsync(alice, chat);
        // The slow client's kernel buffer is tiny and it never reads: the server's sends back up into its queue.
        using var slowHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var slow = await factory.ConnectAsync(bob, chat, new HttpMessageInvoker(slowHandler));
        await factory.WaitForSocketsAsync(2); // the node joins the room right after the 101
        const int count = 60;
        var received = Task.Run(() => ReadSeqsAsync(fast, count), Ct);
        var watch = Stopwatch.StartNew();
        // 4,000 euro signs: ~24 KB per frame (JSON escapes them), so a few frames fill the TCP buffers.
        var body = new string('€', 4000);
        // One post at a time: the fast client reads each frame while the next post is on its way. Four at once could
        // outrun a reader the scheduler set aside for a moment, and its own queue of 32 frames filled too.
        for (var i = 0; i < count; i++)
        {
            await aliceClient.PostMessageAsync(chat, body);
        }

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), await received);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"fan-out took {watch.Elapsed}");
        await factory.WaitForSocketsAsync(1);

        // The slow client finds a close (1008, "send queue full") or a dropped connection after what was buffered.
        var slowSeqs = 0;
        try
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var result = await slow.ReceiveAsync(buffer, Ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.CloseStatus);
                    break;
                }
                if (result.EndOfMessage)
                {
                    slowSeqs++;
                }
            }
        }
        catch (WebSocketException)
        {
            // Aborted while a send was blocked: no room was left for a close frame.
        }
        Assert.True(slowSeqs < count, $"the slow client received all {slowSeqs} frames");
    }

    private static async Task<List<long>> ReadSeqsAsync(ClientWebSocket socket, int count)
    {
        var seqs = new List<long>();
        var buffer = new byte[128 * 1024];
        while (seqs.Count < count)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), Ct);
                length += result.Count;
            }
            while (!result.EndOfMessage);
            var frame = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
            if (frame.GetProperty("type").GetString() == "message.created")
            {
                seqs.Add(frame.GetProperty("message").GetProperty("seq").GetInt64());
            }
        }
        return seqs;
    }
}
