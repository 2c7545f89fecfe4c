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
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan RememberMeRefreshTokenLifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>How long after a rotation the old token still returns the current pair (concurrent tabs, lost answers).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Phones (E.164) and e-mails that get the <c>admin</c> role when they sign in.</summary>
    public List<string> BootstrapAdmins { get; set; } = [];
}

public sealed class SigningKeySetting
{
    [Required]
    public string Kid { get; set; } = "";

    /// <summary>The private key, PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>), curve P-256.</summary>
    [Required]
    public string Pem { get; set; } = "";
}
