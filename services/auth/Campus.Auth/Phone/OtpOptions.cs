using System.ComponentModel.DataAnnotations;

namespace Campus.Auth.Phone;

/// <summary>The rules of phone sign-in codes (section <c>Auth:Otp</c>); the defaults are the issue's.</summary>
public sealed class OtpOptions
{
    public const string Section = "Auth:Otp";

    [Range(typeof(TimeSpan), "00:00:30", "00:30:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most one code per phone in this interval.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Accepted send-code requests per client IP per hour.</summary>
    [Range(1, 10_000)]
    public int MaxSendsPerIpPerHour { get; set; } = 5;

    /// <summary>The wrong code that locks the phone (the 5th).</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a phone stays locked; also the window in which wrong codes are counted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromHours(1);
}
