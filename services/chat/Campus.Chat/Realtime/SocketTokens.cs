using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Campus.Chat.Realtime;

/// <summary>
/// Browsers cannot set <c>Authorization</c> on a WebSocket handshake, so they offer the token as a subprotocol:
/// <c>Sec-WebSocket-Protocol: campus.v1, bearer.&lt;jwt&gt;</c> (DESIGN §4). Behind the gateway the node receives it as
/// <c>Authorization: Bearer</c> (the gateway moves it); a client that reaches a node directly may still use the
/// subprotocol. The token is validated here again either way; never taken from the query string.
/// </summary>
internal static class SocketTokens
{
    public const string Prefix = "bearer.";

    /// <summary>JwtBearer's <c>OnMessageReceived</c>: the token from the subprotocol on a handshake without <c>Authorization</c>.</summary>
    public static Task ReadFromSubprotocol(MessageReceivedContext context)
    {
        var request = context.Request;
        if (request.Headers.Authorization.Count == 0 && IsHandshake(request))
        {
            var token = request.Headers[HeaderNames.SecWebSocketProtocol]
                .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .FirstOrDefault(protocol => protocol.StartsWith(Prefix, StringComparison.Ordinal) && protocol.Length > Prefix.Length);
            if (token is not null)
            {
                context.Token = token[Prefix.Length..];
            }
        }
        return Task.CompletedTask;
    }

    // Authentication runs before the WebSockets middleware, so IsWebSocketRequest is not known yet: read the request.
    private static bool IsHandshake(HttpRequest request) =>
        request.Headers.Upgrade.Any(value => string.Equals(value, "websocket", StringComparison.OrdinalIgnoreCase))
        || request.HttpContext.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;
}
