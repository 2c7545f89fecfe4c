using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Campus.Gateway;

/// <summary>
/// The one place where the gateway decides what a service sees, on every route: every header the gateway owns is
/// removed from the client's request, then set from what the gateway verified — identity from the token, a fresh
/// request id, and the forwarded-for chain from the trusted edge. <c>Authorization</c> is kept so services validate
/// the same token again.
/// </summary>
internal sealed class HeaderHygiene : ITransformProvider
{
    /// <summary>Removed whatever their value: exact names.</summary>
    private static readonly string[] OwnedHeaders =
    [
        "X-Session-Id", "X-Request-Id", "Forwarded", "X-Real-IP",
        // Trace context: the gateway's own is sent instead (FreshTraces), never the client's.
        "traceparent", "tracestate", "baggage", "Correlation-Context", "Request-Id",
    ];

    /// <summary>Removed whatever their value: name prefixes (case-insensitive).</summary>
    private static readonly string[] OwnedPrefixes = ["X-User-", "X-Internal-", "X-Forwarded-", "X-Original-"];

    /// <summary>The connection's peer before forwarded headers were applied (the edge, or a direct client).</summary>
    internal const string PeerItem = "campus.gateway.peer";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // YARP's default X-Forwarded-* transforms are replaced by ours, so the order of removal and setting is explicit.
        context.UseDefaultForwarders = false;
        context.AddRequestTransform(Transform);
    }

    internal static bool IsOwned(string name) =>
        OwnedHeaders.Any(owned => name.Equals(owned, StringComparison.OrdinalIgnoreCase))
        || OwnedPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static ValueTask Transform(RequestTransformContext context)
    {
        var request = context.ProxyRequest;
        Remove(request.Headers);
        if (request.Content is not null)
        {
            Remove(request.Content.Headers);
        }

        var http = context.HttpContext;
        if (http.User.Identity?.IsAuthenticated == true)
        {
            SetIfPresent(request, "X-User-Id", http.User.FindFirst("sub")?.Value);
            SetIfPresent(request, "X-User-Roles", http.User.FindFirst("roles")?.Value);
            SetIfPresent(request, "X-Session-Id", http.User.FindFirst("sid")?.Value);
        }

        request.Headers.TryAddWithoutValidation("X-Request-Id", Activity.Current?.TraceId.ToHexString() ?? http.TraceIdentifier);

        // RemoteIpAddress is the client: UseForwardedHeaders took it from the edge's X-Forwarded-For (only when the
        // peer is a trusted proxy). The chain is "client, edge", or just the peer when it connected directly.
        var client = http.Connection.RemoteIpAddress;
        var peer = http.Items[PeerItem] as IPAddress;
        var chain = peer is not null && client is not null && !peer.Equals(client) ? $"{client}, {peer}" : $"{client ?? peer}";
        SetIfPresent(request, "X-Forwarded-For", chain);
        SetIfPresent(request, "X-Forwarded-Proto", http.Request.Scheme);
        SetIfPresent(request, "X-Forwarded-Host", http.Request.Host.Value);

        WebSocketTokens.Forward(http.Request, request);
        return ValueTask.CompletedTask;
    }

    private static void Remove(HttpHeaders headers)
    {
        foreach (var name in headers.Select(header => header.Key).Where(IsOwned).ToList())
        {
            headers.Remove(name);
        }
    }

    private static void SetIfPresent(HttpRequestMessage request, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
