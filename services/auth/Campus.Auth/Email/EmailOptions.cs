using Campus.ServiceDefaults;

namespace Campus.Auth.Email;

/// <summary>Limits of the e-mail flows (section <c>Auth:Email</c>).</summary>
public sealed class EmailOptions
{
    public const string Section = "Auth:Email";

    /// <summary>
    /// At most one mail of each kind (confirmation link, reset link) per account in this interval; more requests answer
    /// exactly as usual and send nothing, so an address cannot be mail-bombed through Campus.
    /// </summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromMinutes(1);
}
