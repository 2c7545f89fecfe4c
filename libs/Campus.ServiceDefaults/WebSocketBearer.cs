using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Campus.ServiceDefaults;

/// <summary>
/// Browsers cannot set <c>Authorization</c> on a WebSocket handshake, so they offer the token as a subprotocol:
/// <c>Sec-WebSocket-Protocol: campus.v1, bearer.&lt;jwt&gt;</c>. Every host reads it there on a handshake
/// without <c>Authorization</c>; never from the query string, since URLs end up in access logs and browser history.
/// </summary>
public static class WebSocketBearer
{
    /// <summary>The subprotocol prefix that carries the token.</summary>
    public const string Prefix = "bearer.";

    /// <summary>JwtBearer's <c>OnMessageReceived</c>: the token from the subprotocol on a handshake without <c>Authorization</c>.</summary>
    public static Task ReadFromSubprotocol(MessageReceivedContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0 && IsHandshake(context.Request)
            && Find(context.Request.Headers.SecWebSocketProtocol) is { } token)
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A WebSocket handshake: HTTP/1.1 <c>Upgrade: websocket</c> or HTTP/2 extended CONNECT. Authentication runs before
    /// the WebSockets middleware, so <c>IsWebSocketRequest</c> is not known yet: the request is read instead.
    /// </summary>
    public static bool IsHandshake(HttpRequest request) =>
        request.Headers.Upgrade.Any(value => string.Equals(value, "websocket", StringComparison.OrdinalIgnoreCase))
        || request.HttpContext.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;

    /// <summary>The token in the offered subprotocols (without its prefix), or null.</summary>
    public static string? Find(StringValues offered) =>
        Split(offered).FirstOrDefault(protocol => protocol.StartsWith(Prefix, StringComparison.Ordinal) && protocol.Length > Prefix.Length)?[Prefix.Length..];

    /// <summary>The offered subprotocols, one entry each.</summary>
    public static IEnumerable<string> Split(StringValues offered) =>
        offered.SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
