using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Realtime;

/// <summary>The reading half of a chat socket: receives client frames, each at most the configured size, and hands them to <see cref="ChatFrameHandler"/>.</summary>
public sealed class ChatSocketReader(IOptions<ChatOptions> options, ChatFrameHandler frames)
{
    /// <summary>
    /// Reads client frames until the client closes and handles each (a post, typing, read); returns the client's close
    /// status, or null when the socket was kicked (a frame too large).
    /// </summary>
    public async Task<WebSocketCloseStatus?> ReadAsync(ChatConnection connection, CancellationToken ct)
    {
        var maxBytes = options.Value.MaxClientFrameBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == maxBytes)
                    {
                        connection.Kick(WebSocketCloseStatus.MessageTooBig, "frame too large");
                        return null;
                    }
                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(length, maxBytes - length), ct);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return connection.Socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                }
                await frames.HandleAsync(connection, buffer.AsMemory(0, length), ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
