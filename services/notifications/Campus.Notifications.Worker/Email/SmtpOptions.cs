using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Campus.Notifications.Worker.Email;

/// <summary>The SMTP relay e-mails go through (maildev locally), bound from <c>Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>
    /// TLS mode: <c>None</c> (plain, maildev), <c>StartTls</c> (required STARTTLS, port 587), <c>SslOnConnect</c>
    /// (implicit TLS, port 465), <c>StartTlsWhenAvailable</c> or <c>Auto</c> (MailKit decides by port).
    /// </summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    /// <summary>Optional; when set the client authenticates with <see cref="Password"/>.</summary>
    public string? UserName { get; set; }

    /// <summary>A secret: from a secret store or an environment variable, never from a committed file.</summary>
    public string? Password { get; set; }

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "";

    public string FromName { get; set; } = "Campus";

    /// <summary>Bound on connecting and on every SMTP command.</summary>
    [TimeSpanRange("00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Open connections kept for reuse; sending more at once opens extra, short-lived connections.</summary>
    [Range(0, 64)]
    public int PooledConnections { get; set; } = 4;
}
