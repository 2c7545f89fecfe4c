using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Auth.Tokens;

/// <summary>Token lifetimes, signing keys and bootstrap admins (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>ES256 private keys (PKCS#8 PEM) with their <c>kid</c>. All are published in the JWKS; one signs.</summary>
    public List<SigningKeySetting> SigningKeys { get; set; } = [];

    /// <summary>The <c>kid</c> that signs; may be omitted when exactly one key is configured.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>Development only, when no key is configured: where a generated key is kept across restarts.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>
    /// 15 minutes: revocation is immediate through the Redis deny-list, but while Redis is unreachable validators accept
    /// tokens (fail open); this bounds that window, at the cost of a refresh every 15 minutes per client.
    /// </summary>
    [TimeSpanRange("00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan RememberMeRefreshTokenLifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>How long after a rotation the old token still returns the current pair (concurrent tabs, lost answers).</summary>
    [TimeSpanRange("00:00:00", "00:05:00")]
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Phones (E.164) and e-mails that get the <c>admin</c> role when they sign in.</summary>
    public List<string> BootstrapAdmins { get; set; } = [];

    /// <summary>
    /// The proxies in front of auth whose <c>X-Forwarded-For</c> is believed, as addresses or CIDR networks: the gateway
    /// (the peer auth sees) and the edge (the gateway's peer). Anyone else connecting is taken at its socket address,
    /// so per-source sign-in limits count what the edge saw and nothing a client wrote. No default: a list in code
    /// would be merged with the configured one (arrays bind by appending). Locally <c>./platform</c> names the
    /// addresses the gateway (<c>Gateway:OutboundAddress</c>, 127.0.0.10) and the edge (127.0.0.2) connect from; in a
    /// cluster, the gateway's and the ingress controller's pod networks.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

public sealed class SigningKeySetting
{
    [Required]
    public string Kid { get; set; } = "";

    /// <summary>The private key, PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>), curve P-256.</summary>
    [Required]
    public string Pem { get; set; } = "";
}
