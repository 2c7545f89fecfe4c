using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Auth.Sms;

/// <summary>Which SMS provider sends codes (section <c>Sms</c>).</summary>
public sealed class SmsOptions
{
    public const string Section = "Sms";

    /// <summary>The development provider: messages go to the <c>dev_sms_messages</c> table, readable through the dev outbox route.</summary>
    public const string DevProvider = "dev";

    /// <summary>
    /// <c>dev</c> (the dev outbox table, Development's default, refused at start in any other environment) or
    /// <c>smsru</c> (an SMS.ru-style HTTP API, the default elsewhere).
    /// </summary>
    [RegularExpression("^(dev|smsru)$")]
    public string? Provider { get; set; }

    /// <summary>The provider's base URL; the sender posts to <c>{BaseUrl}/sms/send</c>.</summary>
    [Url]
    public string BaseUrl { get; set; } = "https://sms.ru";

    /// <summary>The provider's API key (a secret: environment or secret store, never appsettings).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Optional approved sender name.</summary>
    public string? From { get; set; }

    /// <summary>Timeout of one HTTP attempt.</summary>
    [TimeSpanRange("00:00:01", "00:01:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of the whole send, retries included.</summary>
    [TimeSpanRange("00:00:01", "00:02:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries after a 5xx, 408, 429 or a network error.</summary>
    [Range(0, 5)]
    public int MaxRetries { get; set; } = 2;
}
