using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Campus.Gateway;

/// <summary>The gateway's own settings: which proxy it trusts and its rate limits.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// The addresses or CIDR networks whose <c>X-Forwarded-For</c> is believed: the edge only (it overwrites the client's
    /// own value). Anyone else connecting directly is taken at its socket address. No default: a list in code would be
    /// merged with the configured one (arrays bind by appending), so the configuration names the edge alone — locally
    /// 127.0.0.2, the source address nginx binds for its upstream connections (<c>proxy_bind</c>), so a local process
    /// connecting from 127.0.0.1 is not the edge; in a cluster the ingress controller's pod network, since its pods'
    /// addresses change and a NetworkPolicy admits only them (and Prometheus) to the gateway.
    /// </summary>
    [Required, MinLength(1)]
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>
    /// The local address the gateway's connections to the services start from, or none (the system's choice). Locally
    /// every process shares 127.0.0.1, so the gateway connects from its own loopback address (127.0.0.10, set by
    /// <c>./platform</c>) and the services behind it believe <c>X-Forwarded-For</c> from that address only
    /// (<c>Auth:TrustedProxies</c>). In a cluster the pod's address tells the gateway apart: leave it unset.
    /// </summary>
    public string? OutboundAddress { get; set; }

    [ValidateObjectMembers]
    public RateLimitsOptions RateLimits { get; set; } = new();
}

/// <summary>The limits by name; a route opts in to a per-IP limit with route metadata <c>"RateLimit": "&lt;name&gt;"</c>.</summary>
public sealed class RateLimitsOptions
{
    /// <summary>Per client IP on <c>/api/auth/*</c> (sign-in flows are the brute-force target).</summary>
    [ValidateObjectMembers]
    public RateLimitRule AuthPerIp { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Per user (<c>sub</c>) on every route that requires a token.</summary>
    [ValidateObjectMembers]
    public RateLimitRule PerUser { get; set; } = new() { PermitLimit = 1200, Window = TimeSpan.FromMinutes(1) };

    public RateLimitRule? Find(string name) => name switch
    {
        nameof(AuthPerIp) => AuthPerIp,
        nameof(PerUser) => PerUser,
        _ => null,
    };
}

/// <summary>At most <see cref="PermitLimit"/> requests per fixed <see cref="Window"/>.</summary>
public sealed class RateLimitRule
{
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 100;

    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
