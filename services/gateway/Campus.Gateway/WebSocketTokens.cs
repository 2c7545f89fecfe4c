using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Campus.Gateway;

/// <summary>
/// Browsers cannot set <c>Authorization</c> on a WebSocket handshake, so they send the token as a subprotocol:
/// <c>Sec-WebSocket-Protocol: campus.v1, bearer.&lt;jwt&gt;</c> (DESIGN §4). Never from the query string: URLs end up
/// in access logs and browser history.
/// </summary>
internal static class WebSocketTokens
{
    public const string Prefix = "bearer.";

    /// <summary>JwtBearer's <c>OnMessageReceived</c>: takes the token from the subprotocol when there is no <c>Authorization</c>.</summary>
    public static Task ReadFromSubprotocol(MessageReceivedContext context)
    {
        if (IsHandshake(context.Request) && context.Request.Headers.Authorization.Count == 0
            && Find(context.Request.Headers.SecWebSocketProtocol) is { } token)
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// On the proxied handshake: the service gets the token as <c>Authorization: Bearer</c> and only the other
    /// subprotocols (<c>campus.v1</c>), so it selects <c>campus.v1</c> and never echoes the token back.
    /// </summary>
    public static void Forward(HttpRequest incoming, HttpRequestMessage proxied)
    {
        var offered = incoming.Headers.SecWebSocketProtocol;
        if (!IsHandshake(incoming) || Find(offered) is not { } token)
        {
            return;
        }

        proxied.Headers.Remove(HeaderNames.SecWebSocketProtocol);
        var others = Split(offered).Where(protocol => !protocol.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        if (others.Count > 0)
        {
            proxied.Headers.TryAddWithoutValidation(HeaderNames.SecWebSocketProtocol, string.Join(", ", others));
        }
        if (incoming.Headers.Authorization.Count == 0)
        {
            proxied.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>A WebSocket handshake: HTTP/1.1 <c>Upgrade: websocket</c> or HTTP/2 extended CONNECT.</summary>
    private static bool IsHandshake(HttpRequest request) =>
        request.Headers.Upgrade.Any(value => string.Equals(value, "websocket", StringComparison.OrdinalIgnoreCase))
        || request.HttpContext.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;

    private static string? Find(StringValues offered) =>
        Split(offered).FirstOrDefault(protocol => protocol.StartsWith(Prefix, StringComparison.Ordinal) && protocol.Length > Prefix.Length)?[Prefix.Length..];

    private static IEnumerable<string> Split(StringValues values) =>
        values.SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
