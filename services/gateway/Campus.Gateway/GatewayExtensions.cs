using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using Yarp.ReverseProxy.Configuration;

namespace Campus.Gateway;

internal static class GatewayExtensions
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The gateway's registrations: JWT validation (ServiceDefaults) with the gateway's challenge and WebSocket token,
    /// the edge as the only trusted proxy, Redis-backed rate limits, per-route timeouts, and YARP from
    /// <c>ReverseProxy</c> with the header hygiene transform on every route.
    /// </summary>
    public static void AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        // The gateway contract allows at most 30 s of clock skew; ServiceDefaults allows more for services.
        builder.Services.AddOptions<JwtOptions>()
            .Validate(jwt => jwt.ClockSkew <= MaxClockSkew, $"Jwt:ClockSkew must be at most {MaxClockSkew} at the gateway.");
        builder.AddCampusRedis();
        // ASP.NET Core reads the incoming trace context with the propagator registered here, and OpenTelemetry's
        // instrumentation again with its own default one: neither continues a client's trace.
        builder.Services.AddSingleton<DistributedContextPropagator, FreshTraces>();
        Sdk.SetDefaultTextMapPropagator(new CompositeTextMapPropagator([]));
        // Rate limits fail open without Redis (the edge's per-IP limit stays): the gateway serves, degraded.
        builder.AddSoftDependencies("redis");

        // { "Gateway": { "TrustedProxies": ["127.0.0.2"],
        //                "RateLimits": { "AuthPerIp": { "PermitLimit": 300, "Window": "00:01:00" },
        //                                "PerUser": { "PermitLimit": 1200, "Window": "00:01:00" } } } }
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer =>
        {
            // JwtBearer names the error only when a token was sent; the gateway contract says invalid_token for a
            // missing one too, so clients have one thing to look for.
            bearer.Events.OnChallenge = context =>
            {
                context.Error ??= "invalid_token";
                return Task.CompletedTask;
            };
        });

        // The edge is an address locally (127.0.0.2) and a network in a cluster (the ingress controller's pods come and go;
        // the NetworkPolicy admits only them to the gateway), so each entry is an address or a CIDR network.
        builder.Services.AddOptions<GatewayOptions>().Validate(
            gateway => TrustedProxies.AreValid(gateway.TrustedProxies), "Gateway:TrustedProxies: " + TrustedProxies.Rule);
        // One hop: the edge overwrites X-Forwarded-For with the address it saw, so only its last entry counts.
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>(
            (forwarded, gateway) => forwarded.Trust(gateway.Value.TrustedProxies, hops: 1));

        builder.Services.AddRequestTimeouts();
        builder.Services.AddSingleton<RateLimiting>();
        builder.Services.AddOptions<GatewayOptions>().Validate(
            gateway => gateway.OutboundAddress is null || IPAddress.TryParse(gateway.OutboundAddress, out _),
            "Gateway:OutboundAddress must be an IP address.");
        builder.Services.AddReverseProxy()
            .ConfigureHttpClient((_, handler) => BindOutbound(handler, builder.Configuration[$"{GatewayOptions.Section}:OutboundAddress"]))
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<SecureByDefault>()
            .AddTransforms<HeaderHygiene>();
    }

    /// <summary>Makes the proxy's connections start from <paramref name="address"/> (<c>Gateway:OutboundAddress</c>), when set.</summary>
    private static void BindOutbound(SocketsHttpHandler handler, string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return;
        }
        var local = new IPEndPoint(IPAddress.Parse(address), 0);
        handler.ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(local);
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }

    /// <summary>Takes the client address from the trusted edge's <c>X-Forwarded-For</c>; call first.</summary>
    public static void UseGatewayForwardedHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Items[HeaderHygiene.PeerItem] = context.Connection.RemoteIpAddress;
            return next(context);
        });
        app.UseForwardedHeaders();
    }

    /// <summary>
    /// Maps the proxy. Routes (appsettings.json <c>ReverseProxy</c>): <c>/api/&lt;service&gt;/...</c> to the service
    /// unchanged, <c>/api/&lt;service&gt;/healthz</c> to its <c>/healthz</c>, <c>/ws/&lt;service&gt;/...</c> to the service
    /// without a request timeout. <c>/readyz</c> and <c>/metrics</c> are never routed: each host serves its own.
    /// </summary>
    public static void MapGateway(this WebApplication app)
    {
        app.UseRequestTimeouts();
        var rateLimiting = app.Services.GetRequiredService<RateLimiting>();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(AnswerTimeouts);
            proxy.Use(ApplyBodyLimit);
            proxy.Use((context, next) => rateLimiting.InvokeAsync(context, () => next(context)));
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
    }

    /// <summary>Refuses development-only routes (see <see cref="RefuseDevRoutes"/>); call before authentication.</summary>
    public static void UseDevRouteRefusal(this WebApplication app) => app.Use(RefuseDevRoutes);

    /// <summary>
    /// Development-only routes of a service (<c>/api/&lt;service&gt;/dev/...</c>, e.g. auth's SMS outbox, which shows every
    /// sign-in code) are never routed, in any environment and whatever <c>ReverseProxy</c> says: 404 before routing
    /// reaches the proxy, before authentication (a token does not open them). Case and empty segments do not matter.
    /// </summary>
    private static Task RefuseDevRoutes(HttpContext context, Func<Task> next)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 3 && segments[0].Equals("api", StringComparison.OrdinalIgnoreCase)
            && segments[2].Equals("dev", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "not_found", "Not Found").ExecuteAsync(context);
        }
        return next();
    }

    /// <summary>
    /// A route's <c>Timeout</c> cancels the forwarded request; YARP reports that as a canceled request (400), but for
    /// the client it is the service that did not answer in time: 504.
    /// </summary>
    private static async Task AnswerTimeouts(HttpContext context, Func<Task> next)
    {
        await next();
        if (!context.Response.HasStarted
            && context.Features.Get<IHttpRequestTimeoutFeature>() is { RequestTimeoutToken.IsCancellationRequested: true })
        {
            context.Response.Clear();
            await Problems.Create(StatusCodes.Status504GatewayTimeout, "upstream_timeout", "The service did not answer in time.")
                .ExecuteAsync(context);
        }
    }

    /// <summary>Route metadata <c>"MaxRequestBodyBytes"</c> overrides the host-wide <c>Http:MaxRequestBodyBytes</c>.</summary>
    private static async Task ApplyBodyLimit(HttpContext context, Func<Task> next)
    {
        if (context.GetRouteModel().Config.Metadata?.GetValueOrDefault("MaxRequestBodyBytes") is { } value
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            // A declared length over the limit is refused before anything is forwarded; a chunked body is cut by
            // Kestrel while it streams.
            if (context.Request.ContentLength > limit)
            {
                await Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The request body is too large.",
                    $"This route accepts at most {limit} bytes.").ExecuteAsync(context);
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit;
            }
        }
        await next();
    }

    /// <summary>A route that names no policy requires a token: forgetting the setting must not open a route.</summary>
    private sealed class SecureByDefault : IProxyConfigFilter
    {
        public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => new(cluster);

        public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
            new(string.IsNullOrEmpty(route.AuthorizationPolicy) ? route with { AuthorizationPolicy = "default" } : route);
    }
}
