using System.Net.WebSockets;
using System.Security.Claims;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Campus.Chat.Realtime;

/// <summary>What a chat socket came to: refused before the upgrade, or served until it closed.</summary>
public abstract record ChatSocketResult
{
    /// <summary>The socket was upgraded and has closed (or was closed at once when it could not join the chat).</summary>
    public sealed record Closed : ChatSocketResult;
    /// <summary>The caller does not take part in the chat.</summary>
    public sealed record NotParticipant : ChatSocketResult;
    /// <summary>The caller holds <paramref name="MaxSockets"/> sockets already, on all nodes together.</summary>
    public sealed record TooManySockets(int MaxSockets) : ChatSocketResult;
}

/// <summary>
/// One chat socket from handshake to close: the caller takes part in the chat and has a socket left in their budget;
/// then the socket joins the chat's fan-out, catches up from <c>since_seq</c> and goes live while its reader handles
/// client frames, until the client closes, the server kicks it (slow consumer, removed, revoked) or its token expires.
/// </summary>
public sealed partial class ChatSocketSession(
    ChatDbContext db,
    IOptions<ChatOptions> options,
    ChatFanout fanout,
    ChatBudgets budgets,
    ChatSocketReader reader,
    TokenRevocationCheck revocation,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<ChatSocketSession> logger)
{
    private const int CatchUpPage = 200;

    /// <param name="sockets">The request's WebSocket handshake.</param>
    /// <param name="chatId">The chat.</param>
    /// <param name="principal">The caller's token.</param>
    /// <param name="sinceSeq">The newest seq the client has (0 or more), or null for messages committed after the upgrade only.</param>
    /// <param name="ct">The request's end.</param>
    public async Task<ChatSocketResult> ServeAsync(WebSocketManager sockets, Guid chatId, ClaimsPrincipal principal, long? sinceSeq,
        CancellationToken ct)
    {
        var me = principal.UserId();
        // Read before the upgrade: without since_seq the socket gets every message committed after its 101.
        var lastSeq = await db.Participants.Where(p => p.ChatId == chatId && p.UserId == me)
            .Join(db.Chats, p => p.ChatId, c => c.Id, (p, c) => (long?)c.LastSeq)
            .FirstOrDefaultAsync(ct);
        if (lastSeq is null)
        {
            return new ChatSocketResult.NotParticipant();
        }
        // The per-user socket budget holds across nodes; its place is given back when the socket ends (finally below).
        var socketId = Guid.NewGuid();
        if (!await budgets.TryOpenSocketAsync(me, socketId))
        {
            return new ChatSocketResult.TooManySockets(options.Value.MaxSocketsPerUser);
        }
        try
        {
            // A since_seq beyond the newest message would make the socket skip messages up to it as "already sent".
            await AcceptAsync(sockets, chatId, principal, socketId, Math.Min(sinceSeq ?? lastSeq.Value, lastSeq.Value), ct);
            return new ChatSocketResult.Closed();
        }
        finally
        {
            await budgets.CloseSocketAsync(me, socketId);
        }
    }

    private async Task AcceptAsync(WebSocketManager sockets, Guid chatId, ClaimsPrincipal principal, Guid socketId, long sinceSeq,
        CancellationToken ct)
    {
        var settings = options.Value;
        var offered = sockets.WebSocketRequestedProtocols;
        using var socket = await sockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            // Never echo the bearer.<jwt> entry back: the token must not travel in a response header.
            SubProtocol = offered.Contains(ChatSocketEndpoint.SubProtocol) ? ChatSocketEndpoint.SubProtocol : null,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
        });
        var connection = new ChatConnection(chatId, principal.UserId(), socket, settings.SendQueueSize)
        {
            Id = socketId,
            SessionId = Guid.TryParse(principal.FindFirstValue(TokenRevocation.SessionClaim), out var sid) ? sid : null,
            SecurityVersion = TokenRevocation.SecurityVersion(principal),
        };
        if (!await JoinAsync(connection, ct))
        {
            return;
        }
        // The socket lives no longer than its token: then the client reconnects with a fresh one (and since_seq). This also
        // ends the access of a user whose sessions were revoked, at the latest when the access token expires.
        using var expiry = new CancellationTokenSource(TokenLifetime(principal), time);
        using var onExpiry = expiry.Token.Register(() => connection.Kick(WebSocketCloseStatus.PolicyViolation, "token expired"));
        // A revocation announced between the handshake's check and the join found no socket of this node to close:
        // check once more now that the revocation listener sees this one.
        if (await revocation.IsRevokedAsync(principal))
        {
            connection.Kick(WebSocketCloseStatus.PolicyViolation, RevocationListener.CloseReason);
        }
        try
        {
            await RunAsync(connection, sinceSeq, ct);
        }
        finally
        {
            await fanout.LeaveAsync(connection);
        }
        if (connection.KickReason is { } kick)
        {
            fanout.Kicks.Add(1, new KeyValuePair<string, object?>("reason", kick.Reason));
            LogKicked(connection.ChatId, connection.UserId, kick.Reason);
        }
    }

    /// <summary>Subscribes the socket to its chat; false (the socket closed) when that failed.</summary>
    private async Task<bool> JoinAsync(ChatConnection connection, CancellationToken ct)
    {
        try
        {
            await fanout.JoinAsync(connection, ct);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException)
        {
            // Without the subscription (or the room's starting seq) the socket would miss messages: refuse it; the client retries.
            LogJoinFailed(ex, connection.ChatId);
            connection.Kick(WebSocketCloseStatus.InternalServerError, "try again later");
            await CloseAsync(connection, null);
            return false;
        }
    }

    /// <summary>Runs the writer and the reader until either ends, then closes the socket.</summary>
    private async Task RunAsync(ChatConnection connection, long sinceSeq, CancellationToken ct)
    {
        // A kick cancels the writer only: cancelling a pending receive would abort the socket before the close frame.
        using var stopWriter = CancellationTokenSource.CreateLinkedTokenSource(ct, connection.Kicked);
        using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = WriteAsync(connection, sinceSeq, stopWriter.Token);
        var reading = reader.ReadAsync(connection, stopReader.Token);
        if (await Task.WhenAny(writer, reading) == reading)
        {
            await stopWriter.CancelAsync();
            await Swallow(writer);
            await CloseAsync(connection, reading.IsCompletedSuccessfully ? reading.Result : null);
        }
        else
        {
            await CloseAsync(connection, null);
            // Let the client answer the close frame (the reader then ends) before abandoning the read: aborting at
            // once can reset the connection before the close frame got through the gateway and the edge.
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2), time, CancellationToken.None));
            await stopReader.CancelAsync();
            await Swallow(reading);
        }
    }

    /// <summary>Catch-up from the database (read after the node subscribed, so nothing falls between), then the live queue.</summary>
    private async Task WriteAsync(ChatConnection connection, long sinceSeq, CancellationToken ct)
    {
        var last = sinceSeq;
        connection.CaughtUpTo(last);
        while (true)
        {
            List<MessageResponse> page;
            await using (var scope = scopes.CreateAsyncScope())
            {
                page = await MessageQueries.AfterAsync(scope.ServiceProvider.GetRequiredService<ChatDbContext>(),
                    connection.ChatId, last, CatchUpPage, ct: ct);
            }
            foreach (var message in page)
            {
                await connection.Socket.SendAsync(ChatFrame.Created(message).ToUtf8(), WebSocketMessageType.Text, true, ct);
                last = message.Seq;
                connection.CaughtUpTo(last);
            }
            if (page.Count < CatchUpPage)
            {
                break;
            }
        }
        connection.GoLive();
        await connection.WriteLoopAsync(ct);
    }

    /// <summary>Answers the client's close, or closes with the kick reason (slow consumer, removed); aborts what does not close in time.</summary>
    private static async Task CloseAsync(ChatConnection connection, WebSocketCloseStatus? clientClosed)
    {
        var socket = connection.Socket;
        var (status, reason) = connection.KickReason ?? (clientClosed ?? WebSocketCloseStatus.NormalClosure, "");
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseOutputAsync(status, reason, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                socket.Abort();
            }
        }
    }

    private TimeSpan TokenLifetime(ClaimsPrincipal principal)
    {
        var exp = long.TryParse(principal.FindFirstValue("exp"), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : time.GetUtcNow();
        var left = exp - time.GetUtcNow();
        // Within the validator's clock skew the token was still accepted: give it a moment rather than closing at once.
        return left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left;
    }

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe a socket to chat {ChatId}")]
    private partial void LogJoinFailed(Exception exception, Guid chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed the socket of {UserId} on chat {ChatId}: {Reason}")]
    private partial void LogKicked(Guid chatId, Guid userId, string reason);
}
