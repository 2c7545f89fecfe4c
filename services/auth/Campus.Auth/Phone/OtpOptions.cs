using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Auth.Phone;

/// <summary>The rules of phone sign-in codes (section <c>Auth:Otp</c>). A "source" is the client IP.</summary>
public sealed class OtpOptions
{
    public const string Section = "Auth:Otp";

    [TimeSpanRange("00:00:30", "00:30:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most one code per phone in this interval.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Accepted send-code requests per client IP per hour.</summary>
    [Range(1, 10_000)]
    public int MaxSendsPerIpPerHour { get; set; } = 5;

    /// <summary>
    /// The wrong code from one source for one phone that locks that pair (the 5th). Only the pair is locked: the owner
    /// signs in from any other source.
    /// </summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a (phone, source) pair stays locked; also the window in which wrong codes are counted.</summary>
    [TimeSpanRange("00:01:00", "1.00:00:00")]
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Wrong codes for one phone from all sources within <see cref="LockDuration"/> after which the phone is guarded:
    /// its code is accepted only from the source that requested it, and one wrong code spends it.
    /// </summary>
    [Range(1, 1000)]
    public int MaxFailuresPerPhone { get; set; } = 10;

    /// <summary>Failed verifications per source within an hour (all phones) after which the source is blocked.</summary>
    [Range(1, 10_000)]
    public int MaxFailuresPerSourcePerHour { get; set; } = 20;

    /// <summary>The first block of a source; each further block doubles it (exponential backoff).</summary>
    [TimeSpanRange("00:00:10", "1.00:00:00")]
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest block.</summary>
    [TimeSpanRange("00:00:10", "30.00:00:00")]
    public TimeSpan MaxBlockDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A source not blocked for this long starts again from <see cref="BlockDuration"/>.</summary>
    [TimeSpanRange("00:01:00", "30.00:00:00")]
    public TimeSpan BlockMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// SMS sent by the whole service per clock hour (every replica). Beyond it send-code answers 503
    /// <c>sms_budget_exhausted</c> until the next hour, and the service logs a warning and counts the refusals.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxSmsPerHour { get; set; } = 1000;
}
