using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Campus.Chat.Messages;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Realtime;

/// <summary>The reading half of a chat socket: client frames in, a post, a typing signal or a read mark each.</summary>
public sealed partial class ChatSocketReader(
    IOptions<ChatOptions> options, IServiceScopeFactory scopes, ChatFanout fanout, ChatBudgets budgets, TimeProvider time,
    ILogger<ChatSocketReader> logger)
{
    /// <summary>
    /// Reads client frames until the client closes and handles each (a post, typing, read); returns the client's close
    /// status, or null when the socket was kicked (a frame too large).
    /// </summary>
    public async Task<WebSocketCloseStatus?> ReadAsync(ChatConnection connection, CancellationToken ct)
    {
        var settings = options.Value;
        var buffer = ArrayPool<byte>.Shared.Rent(settings.MaxClientFrameBytes);
        var lastTyping = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == settings.MaxClientFrameBytes)
                    {
                        connection.Kick(WebSocketCloseStatus.MessageTooBig, "frame too large");
                        return null;
                    }
                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(length, settings.MaxClientFrameBytes - length), ct);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return connection.Socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                }
                ClientFrame? frame;
                try
                {
                    frame = JsonSerializer.Deserialize<ClientFrame>(buffer.AsSpan(0, length), ChatFrame.Json);
                }
                catch (JsonException)
                {
                    frame = null;
                }
                // The same rule as for HTTP bodies: text may hold tab and line breaks, no other control character.
                if (frame is not null && ControlCharacters.FindInJson(buffer.AsSpan(0, length)) is { } refused)
                {
                    connection.Send(new OutFrame(ChatFrame.Error(ControlCharacters.Code,
                        ControlCharacters.Describe(refused.Where, refused.Character)).ToUtf8(), 0));
                    continue;
                }
                try
                {
                    await HandleFrameAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not WebSocketException)
                {
                    // A dependency outage is named (the client retries the post with the same client_msg_id); anything else is a bug.
                    using var services = scopes.CreateScope();
                    var outage = DependencyOutages.Find(services.ServiceProvider.GetServices<DependencyOutage>(), ex);
                    LogFrameFailed(ex, connection.ChatId);
                    connection.Send(new OutFrame((outage is null
                        ? ChatFrame.Error("internal_error", "The frame could not be processed; try again.")
                        : ChatFrame.Error(outage.Code, outage.Title + " Try again later.")).ToUtf8(), 0));
                }

                async Task HandleFrameAsync()
                {
                    switch (frame?.Type)
                    {
                        case FrameTypes.Post when await budgets.TryPostAsync(connection.UserId) is { } retryAfter:
                            connection.Send(new OutFrame(ChatFrame.Error("rate_limited", budgets.PostLimitDetail(retryAfter)).ToUtf8(), 0));
                            break;
                        case FrameTypes.Post:
                            await using (var scope = scopes.CreateAsyncScope())
                            {
                                var result = await scope.ServiceProvider.GetRequiredService<ChatMessages>().PostAsync(
                                    connection.ChatId, connection.UserId, new PostMessageRequest(frame.Body, frame.ClientMsgId), ct);
                                connection.Send(new OutFrame((result switch
                                {
                                    MessageResult.Posted posted => ChatFrame.Ack(posted.Message.ClientMsgId, posted.Message.Seq),
                                    MessageResult.AlreadyPosted stored => ChatFrame.Ack(stored.Message.ClientMsgId, stored.Message.Seq),
                                    MessageResult.Refused refused => ChatFrame.Error(refused.Refusal.Code, refused.Refusal.Detail),
                                    _ => throw new InvalidOperationException($"Unexpected post result {result.GetType().Name}."),
                                }).ToUtf8(), 0));
                            }
                            break;
                        case FrameTypes.Typing:
                            var now = time.GetUtcNow();
                            if (now - lastTyping >= settings.TypingThrottle)
                            {
                                lastTyping = now;
                                await fanout.PublishAsync(connection.ChatId, ChatFrame.Typing(connection.ChatId, connection.UserId));
                            }
                            break;
                        case FrameTypes.Read when frame.Seq is { } seq:
                            await using (var scope = scopes.CreateAsyncScope())
                            {
                                if (await scope.ServiceProvider.GetRequiredService<ChatMessages>()
                                    .MarkReadAsync(connection.ChatId, connection.UserId, seq, ct) is MessageResult.Refused refused)
                                {
                                    connection.Send(new OutFrame(ChatFrame.Error(refused.Refusal.Code, refused.Refusal.Detail).ToUtf8(), 0));
                                }
                            }
                            break;
                        default:
                            connection.Send(new OutFrame(ChatFrame.Error("invalid_frame",
                                "A client frame is JSON with type message.post {body, client_msg_id}, typing, or read {seq}.").ToUtf8(), 0));
                            break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A client frame on chat {ChatId} failed")]
    private partial void LogFrameFailed(Exception exception, Guid chatId);
}
