using System.ComponentModel.DataAnnotations;

namespace Campus.ServiceDefaults;

/// <summary>
/// How a host validates access tokens: the auth service's JWKS and the expected issuer and audience.
/// </summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>The auth service's key set, e.g. <c>http://127.0.0.1:8101/api/auth/.well-known/jwks.json</c>.</summary>
    [Required, Url]
    public string JwksUrl { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "";

    /// <summary>Tolerated clock difference between the auth service and this host.</summary>
    [TimeSpanRange("00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest the key set is cached: its <c>Cache-Control: max-age</c> counts when shorter (but not below
    /// <see cref="MinimumRefreshInterval"/>), and this when it has none. An unknown <c>kid</c> triggers a re-read sooner.
    /// </summary>
    [TimeSpanRange("00:05:00", "1.00:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between two re-reads caused by unknown keys, so forged tokens cannot hammer the auth service; also
    /// the shortest cache lifetime and the wait before retrying a failed read.
    /// </summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan MinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
