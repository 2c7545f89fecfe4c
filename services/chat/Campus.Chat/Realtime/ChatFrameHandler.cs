using System.Net.WebSockets;
using System.Text.Json;
using Campus.Chat.Messages;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Realtime;

/// <summary>
/// Handles one client frame of a chat socket: a post (within the user's post budget, answered with an ack or an error
/// frame), a typing signal (at most one per throttle interval per socket) or a read mark. Anything else, or a frame with
/// control characters, is answered with an error frame; a frame that fails names a dependency outage, or is logged.
/// </summary>
public sealed partial class ChatFrameHandler(
    IOptions<ChatOptions> options, IServiceScopeFactory scopes, IEnumerable<DependencyOutage> outages, ChatFanout fanout,
    ChatBudgets budgets, TimeProvider time, ILogger<ChatFrameHandler> logger)
{
    /// <param name="connection">The socket the frame came from.</param>
    /// <param name="utf8">The frame's bytes (read only until this returns).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task HandleAsync(ChatConnection connection, ReadOnlyMemory<byte> utf8, CancellationToken ct)
    {
        ClientFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize<ClientFrame>(utf8.Span, ChatFrame.Json);
        }
        catch (JsonException)
        {
            frame = null;
        }
        // The same rule as for HTTP bodies: text may hold tab and line breaks, no other control character.
        if (frame is not null && ControlCharacters.FindInJson(utf8.Span) is { } refused)
        {
            Send(connection, ChatFrame.Error(ControlCharacters.Code, ControlCharacters.Describe(refused.Where, refused.Character)));
            return;
        }
        try
        {
            await DispatchAsync(connection, frame, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not WebSocketException)
        {
            // A dependency outage is named (the client retries the post with the same client_msg_id); anything else is a bug.
            var outage = DependencyOutages.Find(outages, ex);
            LogFrameFailed(ex, connection.ChatId);
            Send(connection, outage is null
                ? ChatFrame.Error("internal_error", "The frame could not be processed; try again.")
                : ChatFrame.Error(outage.Code, outage.Title + " Try again later."));
        }
    }

    private async Task DispatchAsync(ChatConnection connection, ClientFrame? frame, CancellationToken ct)
    {
        switch (frame?.Type)
        {
            case FrameTypes.Post when await budgets.TryPostAsync(connection.UserId) is { } retryAfter:
                Send(connection, ChatFrame.Error("rate_limited", budgets.PostLimitDetail(retryAfter)));
                break;
            case FrameTypes.Post:
                await PostAsync(connection, new PostMessageRequest(frame.Body, frame.ClientMsgId), ct);
                break;
            case FrameTypes.Typing:
                var now = time.GetUtcNow();
                if (now - connection.LastTypingAt >= options.Value.TypingThrottle)
                {
                    connection.LastTypingAt = now;
                    await fanout.PublishAsync(connection.ChatId, ChatFrame.Typing(connection.ChatId, connection.UserId));
                }
                break;
            case FrameTypes.Read when frame.Seq is { } seq:
                await MarkReadAsync(connection, seq, ct);
                break;
            default:
                Send(connection, ChatFrame.Error("invalid_frame",
                    "A client frame is JSON with type message.post {body, client_msg_id}, typing, or read {seq}."));
                break;
        }
    }

    private async Task PostAsync(ChatConnection connection, PostMessageRequest request, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ChatMessages>().PostAsync(connection.ChatId, connection.UserId, request, ct);
        Send(connection, result switch
        {
            MessageResult.Posted posted => ChatFrame.Ack(posted.Message.ClientMsgId, posted.Message.Seq),
            MessageResult.AlreadyPosted stored => ChatFrame.Ack(stored.Message.ClientMsgId, stored.Message.Seq),
            MessageResult.Refused refused => ChatFrame.Error(refused.Refusal.Code, refused.Refusal.Detail),
            _ => throw new InvalidOperationException($"Unexpected post result {result.GetType().Name}."),
        });
    }

    private async Task MarkReadAsync(ChatConnection connection, long seq, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ChatMessages>().MarkReadAsync(connection.ChatId, connection.UserId, seq, ct);
        if (result is MessageResult.Refused refused)
        {
            Send(connection, ChatFrame.Error(refused.Refusal.Code, refused.Refusal.Detail));
        }
    }

    /// <summary>Queues a frame for this socket alone, in order with the live frames.</summary>
    private static void Send(ChatConnection connection, ChatFrame frame) => connection.Send(new OutFrame(frame.ToUtf8(), 0));

    [LoggerMessage(Level = LogLevel.Error, Message = "A client frame on chat {ChatId} failed")]
    private partial void LogFrameFailed(Exception exception, Guid chatId);
}
