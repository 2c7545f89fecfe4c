using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Campus.Chat.Realtime;

/// <summary>
/// Fan-out across nodes: every change is published on the Redis channel <c>{Redis:KeyPrefix}chat:{chat id}</c> after its
/// commit; each node subscribes to the chats it holds sockets for (on the first socket, until the last one leaves) and
/// hands every frame to those sockets. Redis Pub/Sub is fire-and-forget, so nothing here is the record of a message:
/// PostgreSQL is. Messages from different nodes may arrive out of order or not at all; a room therefore delivers
/// <c>message.created</c> strictly by seq and reads a gap (seqs have none: they are assigned under the chat row's lock) from
/// the database before going on.
/// </summary>
public sealed partial class ChatFanout : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, Room> _rooms = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<ChatFanout> _logger;
    private readonly Histogram<double> _fanoutLatency;
    private readonly TimeProvider _time;

    public ChatFanout(
        IConnectionMultiplexer redis, IServiceScopeFactory scopes, ILogger<ChatFanout> logger, IHostApplicationLifetime lifetime,
        IMeterFactory meters, TimeProvider time)
    {
        _time = time;
        var meter = meters.Create("Campus.Chat");
        Kicks = meter.CreateCounter<long>("campus.chat.sockets.closed_by_server",
            description: "Sockets the server closed, by reason: send queue full, removed from the chat, frame too large, shutting down.");
        _redis = redis;
        _scopes = scopes;
        _logger = logger;
        meter.CreateObservableGauge("campus.chat.sockets", () => ConnectionCount, unit: "{socket}", description: "Open chat sockets on this node.");
        _fanoutLatency = meter.CreateHistogram<double>("campus.chat.fanout.duration", unit: "s",
            description: "From a message's commit time to its hand-off to this node's sockets (Redis Pub/Sub and ordering included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        // Messages published while Redis was away (or before this node's subscriptions were restored) reached no node:
        // once the connection is back, each room reads what it missed from the database, without waiting for the next
        // message to reveal the gap.
        redis.ConnectionRestored += (_, args) =>
        {
            if (args.ConnectionType == ConnectionType.Subscription)
            {
                _ = ResyncAllAsync();
            }
        };
        // Sockets would otherwise hold the shutdown until its timeout; clients reconnect (to another node) with since_seq.
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var member in _rooms.Values.SelectMany(room => room.Members))
            {
                member.Kick(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
            }
        });
    }

    /// <summary>Sockets the server closed, with a <c>reason</c> tag.</summary>
    public Counter<long> Kicks { get; }

    /// <summary>Every open socket on this node.</summary>
    public IEnumerable<ChatConnection> Connections => _rooms.Values.SelectMany(room => room.Members);

    /// <summary>How many sockets this node holds (for tests and metrics).</summary>
    public int ConnectionCount => _rooms.Values.Sum(room => room.Members.Length);

    /// <summary>Whether this node is subscribed to <paramref name="chatId"/>.</summary>
    public bool IsSubscribed(Guid chatId) => _rooms.TryGetValue(chatId, out var room) && room.Queue is not null;

    public static RedisChannel Channel(Guid chatId) => RedisChannel.Literal($"chat:{chatId}");

    /// <summary>Publishes <paramref name="frame"/> to every node; a Redis failure is logged, never thrown (the row is committed).</summary>
    public async Task PublishAsync(Guid chatId, ChatFrame frame)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(Channel(chatId), frame.ToUtf8());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Sockets recover the message: the next one fills the gap from the database, a reconnect uses since_seq.
            LogPublishFailed(_logger, ex, frame.Type, chatId);
        }
    }

    /// <summary>
    /// Publishes a resync to every chat this node holds, through Redis, so it runs in each room's message order; twice,
    /// because the restored subscription may not be in place yet the first time.
    /// </summary>
    private async Task ResyncAllAsync()
    {
        foreach (var delay in (int[])[500, 3000])
        {
            await Task.Delay(delay);
            foreach (var chatId in _rooms.Keys)
            {
                await PublishAsync(chatId, ChatFrame.Resync(chatId));
            }
        }
    }

    /// <summary>Adds a socket to its chat's room, subscribing the node to the chat first if it is the room's first socket.</summary>
    public async Task JoinAsync(ChatConnection connection, CancellationToken ct)
    {
        while (true)
        {
            var room = _rooms.GetOrAdd(connection.ChatId, id => new Room(id));
            await room.Gate.WaitAsync(ct);
            try
            {
                if (room.Closed)
                {
                    continue; // the last socket left and the room was removed meanwhile: take a new one
                }
                if (room.Queue is null)
                {
                    var queue = await _redis.GetSubscriber().SubscribeAsync(Channel(room.ChatId));
                    try
                    {
                        // Where the room starts: messages up to here are the joining sockets' catch-up (read after this).
                        room.LastSeq = await LastSeqAsync(room.ChatId, ct);
                    }
                    catch
                    {
                        await queue.UnsubscribeAsync();
                        throw;
                    }
                    room.Queue = queue;
                    queue.OnMessage(message => OnMessageAsync(room, message));
                }
                room.Members = room.Members.Add(connection);
                return;
            }
            finally
            {
                room.Gate.Release();
            }
        }
    }

    /// <summary>Removes a socket; the last one leaving unsubscribes the node from the chat.</summary>
    public async Task LeaveAsync(ChatConnection connection)
    {
        if (!_rooms.TryGetValue(connection.ChatId, out var room))
        {
            return;
        }
        await room.Gate.WaitAsync();
        try
        {
            room.Members = room.Members.Remove(connection);
            if (room.Members.IsEmpty && !room.Closed)
            {
                room.Closed = true;
                _rooms.TryRemove(new KeyValuePair<Guid, Room>(room.ChatId, room));
                if (room.Queue is { } queue)
                {
                    try
                    {
                        await queue.UnsubscribeAsync();
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                        LogUnsubscribeFailed(_logger, ex, room.ChatId);
                    }
                }
            }
        }
        finally
        {
            room.Gate.Release();
        }
    }

    // Runs one message at a time per room (ChannelMessageQueue.OnMessage), so the room's order is the delivery order.
    private async Task OnMessageAsync(Room room, ChannelMessage message)
    {
        try
        {
            byte[] bytes = (byte[])message.Message!;
            var frame = JsonSerializer.Deserialize<ChatFrame>(bytes, ChatFrame.Json);
            if (frame is null)
            {
                return;
            }
            if (frame.Type == FrameTypes.ParticipantRemoved)
            {
                foreach (var member in room.Members.Where(m => m.UserId == frame.UserId))
                {
                    member.Kick(WebSocketCloseStatus.PolicyViolation, "removed from the chat");
                }
                return;
            }
            if (frame.Type == FrameTypes.Typing)
            {
                // Ephemeral and about someone else: not echoed to the typist's own sockets.
                var typing = new OutFrame(bytes, 0);
                foreach (var member in room.Members.Where(m => m.UserId != frame.UserId))
                {
                    member.Deliver(typing);
                }
                return;
            }
            if (frame.Type == FrameTypes.Resync)
            {
                await DeliverMissedAsync(room, toSeq: long.MaxValue);
                return;
            }
            if (frame.Type != FrameTypes.MessageCreated || frame.Message is null)
            {
                Broadcast(room, new OutFrame(bytes, 0));
                return;
            }

            var seq = frame.Message.Seq;
            if (seq <= room.LastSeq)
            {
                return; // a late copy of a message the room already delivered (from a gap read)
            }
            if (seq > room.LastSeq + 1)
            {
                await DeliverMissedAsync(room, toSeq: seq - 1);
            }
            room.LastSeq = seq;
            Broadcast(room, new OutFrame(bytes, seq));
            // Wall clocks of two nodes: good to a few ms with NTP, which is the resolution this is read at.
            _fanoutLatency.Record(Math.Max(0, (_time.GetUtcNow() - frame.Message.CreatedAt).TotalSeconds));
        }
        catch (Exception ex)
        {
            LogFanoutFailed(_logger, ex, room.ChatId);
        }
    }

    /// <summary>Delivers the messages after the room's last seq up to <paramref name="toSeq"/> from the database.</summary>
    private async Task DeliverMissedAsync(Room room, long toSeq)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var from = room.LastSeq;
        var missed = await MessageQueries.AfterAsync(db, room.ChatId, room.LastSeq, int.MaxValue, toSeq);
        foreach (var m in missed)
        {
            Broadcast(room, new OutFrame(ChatFrame.Created(m).ToUtf8(), m.Seq));
            room.LastSeq = m.Seq;
        }
        if (missed.Count > 0)
        {
            LogGapFilled(_logger, room.ChatId, from, room.LastSeq, missed.Count);
        }
    }

    private static void Broadcast(Room room, OutFrame frame)
    {
        foreach (var member in room.Members)
        {
            member.Deliver(frame);
        }
    }

    private async Task<long> LastSeqAsync(Guid chatId, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await db.Chats.Where(c => c.Id == chatId).Select(c => c.LastSeq).FirstOrDefaultAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var room in _rooms.Values)
        {
            if (room.Queue is { } queue)
            {
                try
                {
                    await queue.UnsubscribeAsync();
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    LogUnsubscribeFailed(_logger, ex, room.ChatId);
                }
            }
        }
    }

    private sealed class Room(Guid chatId)
    {
        public Guid ChatId { get; } = chatId;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Copy-on-write, so the fan-out iterates without a lock while sockets join and leave.</summary>
        public ImmutableArray<ChatConnection> Members { get; set; } = [];

        public ChannelMessageQueue? Queue { get; set; }

        public bool Closed { get; set; }

        /// <summary>The highest seq this room delivered; only touched by the room's message loop (and before it starts).</summary>
        public long LastSeq { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {FrameType} of chat {ChatId} to Redis")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string frameType, Guid chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unsubscribe from chat {ChatId}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, Guid chatId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fan-out of a frame of chat {ChatId} failed")]
    private static partial void LogFanoutFailed(ILogger logger, Exception exception, Guid chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {ChatId}: filled the gap {From}..{To} from the database ({Count} messages)")]
    private static partial void LogGapFilled(ILogger logger, Guid chatId, long from, long to, int count);
}
