using System.Net.Http.Headers;
using Campus.ServiceDefaults;
using Microsoft.Net.Http.Headers;

namespace Campus.Gateway;

/// <summary>
/// The gateway validates a socket token from the <c>bearer.&lt;jwt&gt;</c> subprotocol like any host
/// (<see cref="WebSocketBearer"/>); on the way to the service it moves it to <c>Authorization</c>.
/// </summary>
internal static class WebSocketTokens
{
    /// <summary>
    /// On the proxied handshake: the service gets the token as <c>Authorization: Bearer</c> and only the other
    /// subprotocols (<c>campus.v1</c>), so it selects <c>campus.v1</c> and never echoes the token back.
    /// </summary>
    public static void Forward(HttpRequest incoming, HttpRequestMessage proxied)
    {
        var offered = incoming.Headers.SecWebSocketProtocol;
        if (!WebSocketBearer.IsHandshake(incoming) || WebSocketBearer.Find(offered) is not { } token)
        {
            return;
        }

        proxied.Headers.Remove(HeaderNames.SecWebSocketProtocol);
        var others = WebSocketBearer.Split(offered).Where(protocol => !protocol.StartsWith(WebSocketBearer.Prefix, StringComparison.Ordinal)).ToList();
        if (others.Count > 0)
        {
            proxied.Headers.TryAddWithoutValidation(HeaderNames.SecWebSocketProtocol, string.Join(", ", others));
        }
        if (incoming.Headers.Authorization.Count == 0)
        {
            proxied.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }
}
