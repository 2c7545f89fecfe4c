using System.Security.Claims;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;

namespace Campus.Chat.Realtime;

/// <summary>
/// <c>GET /ws/chats/{id}?since_seq=N</c>. The token comes from <c>Authorization</c> or the subprotocol
/// <c>bearer.&lt;jwt&gt;</c> (see <see cref="Campus.ServiceDefaults.WebSocketBearer"/>), never from the URL; the server selects <c>campus.v1</c>.
/// Non-participants are refused with 403 before the upgrade.
/// </summary>
public static class ChatSocketEndpoint
{
    public const string SubProtocol = "campus.v1";

    public static IEndpointRouteBuilder MapChatSocket(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/ws/chats/{id:guid}", HandleAsync)
            .RequireAuthorization()
            .WithName("ChatSocket")
            .ExcludeFromDescription();
        return routes;
    }

    public static async Task<IResult> HandleAsync(
        HttpContext context, Guid id, ClaimsPrincipal principal, ChatSocketSession session, [FromQuery(Name = "since_seq")] long? sinceSeq = null)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "websocket_required", "This endpoint takes a WebSocket handshake.");
        }
        if (sinceSeq < 0)
        {
            return Problems.InvalidField("since_seq", "since_seq is 0 or more.", "invalid_since_seq");
        }
        var result = await session.ServeAsync(context.WebSockets, id, principal, sinceSeq, context.RequestAborted);
        return result switch
        {
            ChatSocketResult.Closed => Results.Empty,
            ChatSocketResult.NotParticipant => Problems.Create(StatusCodes.Status403Forbidden, "not_participant",
                "Only participants of the chat connect to it."),
            ChatSocketResult.TooManySockets busy => Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_sockets",
                "Too many open chat sockets.", $"A user holds at most {busy.MaxSockets} sockets at once; close one first."),
            _ => throw new InvalidOperationException($"Unexpected chat socket result {result.GetType().Name}."),
        };
    }
}
