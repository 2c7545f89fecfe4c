using System.Net.WebSockets;
using System.Security.Claims;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.Redis;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Campus.Chat.Realtime;

/// <summary>
/// <c>GET /ws/chats/{id}?since_seq=N</c>. The token comes from <c>Authorization</c> or the subprotocol
/// <c>bearer.&lt;jwt&gt;</c> (see <see cref="Campus.ServiceDefaults.WebSocketBearer"/>), never from the URL; the server selects <c>campus.v1</c>.
/// Non-participants are refused with 403 before the upgrade.
/// </summary>
public static partial class ChatSocketEndpoint
{
    public const string SubProtocol = "campus.v1";
    private const int CatchUpPage = 200;

    public static IEndpointRouteBuilder MapChatSocket(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/ws/chats/{id:guid}", HandleAsync)
            .RequireAuthorization()
            .WithName("ChatSocket")
            .ExcludeFromDescription();
        return routes;
    }

    public static async Task<IResult> HandleAsync(
        HttpContext context, Guid id, ClaimsPrincipal principal, ChatDbContext db, IOptions<ChatOptions> options,
        ChatFanout fanout, ChatBudgets budgets, ChatSocketReader reader, IServiceScopeFactory scopes, ILoggerFactory loggers, TimeProvider time,
        [FromQuery(Name = "since_seq")] long? sinceSeq = null)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "websocket_required", "This endpoint takes a WebSocket handshake.");
        }
        if (sinceSeq < 0)
        {
            return Problems.InvalidField("since_seq", "since_seq is 0 or more.", "invalid_since_seq");
        }
        var me = principal.UserId();
        var ct = context.RequestAborted;
        // Read before the upgrade: without since_seq the socket gets every message committed after its 101.
        var lastSeq = await db.Participants.Where(p => p.ChatId == id && p.UserId == me)
            .Join(db.Chats, p => p.ChatId, c => c.Id, (p, c) => (long?)c.LastSeq)
            .FirstOrDefaultAsync(ct);
        if (lastSeq is null)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "not_participant", "Only participants of the chat connect to it.");
        }

        var settings = options.Value;
        // The per-user socket budget holds across nodes; its place is given back when the socket ends (finally below).
        var socketId = Guid.NewGuid();
        if (!await budgets.TryOpenSocketAsync(me, socketId))
        {
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_sockets", "Too many open chat sockets.",
                $"A user holds at most {settings.MaxSocketsPerUser} sockets at once; close one first.");
        }
        try
        {
            return await AcceptAsync(context, id, principal, me, sinceSeq, lastSeq.Value, socketId, settings, fanout, reader, scopes, loggers, time);
        }
        finally
        {
            await budgets.CloseSocketAsync(me, socketId);
        }
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context, Guid id, ClaimsPrincipal principal, Guid me, long? sinceSeq, long lastSeq, Guid socketId, ChatOptions settings,
        ChatFanout fanout, ChatSocketReader reader, IServiceScopeFactory scopes, ILoggerFactory loggers, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            // Never echo the bearer.<jwt> entry back: the token must not travel in a response header.
            SubProtocol = offered.Contains(SubProtocol) ? SubProtocol : null,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
        });
        var logger = loggers.CreateLogger(typeof(ChatSocketEndpoint));
        var connection = new ChatConnection(id, me, socket, settings.SendQueueSize)
        {
            Id = socketId,
            SessionId = Guid.TryParse(principal.FindFirstValue(TokenRevocation.SessionClaim), out var sid) ? sid : null,
            SecurityVersion = TokenRevocation.SecurityVersion(principal),
        };
        try
        {
            await fanout.JoinAsync(connection, ct);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException)
        {
            // Without the subscription (or the room's starting seq) the socket would miss messages: refuse it; the client retries.
            LogJoinFailed(logger, ex, id);
            connection.Kick(WebSocketCloseStatus.InternalServerError, "try again later");
            await CloseAsync(connection, null);
            return Results.Empty;
        }
        // The socket lives no longer than its token: then the client reconnects with a fresh one (and since_seq). This also
        // ends the access of a user whose sessions were revoked, at the latest when the access token expires.
        using var expiry = new CancellationTokenSource(TokenLifetime(principal, time), time);
        using var onExpiry = expiry.Token.Register(() => connection.Kick(WebSocketCloseStatus.PolicyViolation, "token expired"));
        // A revocation announced between the handshake's check and the join found no socket of this node to close:
        // check once more now that the revocation listener sees this one.
        if (await context.RequestServices.GetRequiredService<TokenRevocationCheck>().IsRevokedAsync(principal))
        {
            connection.Kick(WebSocketCloseStatus.PolicyViolation, RevocationListener.CloseReason);
        }
        try
        {
            // A kick cancels the writer only: cancelling a pending receive would abort the socket before the close frame.
            using var stopWriter = CancellationTokenSource.CreateLinkedTokenSource(ct, connection.Kicked);
            using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // A since_seq beyond the newest message would make the socket skip messages up to it as "already sent".
            var writer = WriteAsync(connection, Math.Min(sinceSeq ?? lastSeq, lastSeq), scopes, stopWriter.Token);
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
        finally
        {
            await fanout.LeaveAsync(connection);
        }
        if (connection.KickReason is { } kick)
        {
            fanout.Kicks.Add(1, new KeyValuePair<string, object?>("reason", kick.Reason));
            LogKicked(logger, id, me, kick.Reason);
        }
        return Results.Empty;
    }

    /// <summary>Catch-up from the database (read after the node subscribed, so nothing falls between), then the live queue.</summary>
    private static async Task WriteAsync(ChatConnection connection, long sinceSeq, IServiceScopeFactory scopes, CancellationToken ct)
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

    private static TimeSpan TokenLifetime(ClaimsPrincipal principal, TimeProvider time)
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
    private static partial void LogJoinFailed(ILogger logger, Exception exception, Guid chatId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed the socket of {UserId} on chat {ChatId}: {Reason}")]
    private static partial void LogKicked(ILogger logger, Guid chatId, Guid userId, string reason);
}
