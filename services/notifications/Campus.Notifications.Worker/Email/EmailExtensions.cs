using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Campus.Notifications.Worker.Email;

internal static class EmailExtensions
{
    /// <summary>
    /// The SMTP sender and its options; with detailed tracing (<c>Tracing:Detailed</c>, on where spans are exported),
    /// MailKit's spans of the conversation with the relay (connect, authenticate, send) too, under the delivery's span,
    /// so a notification's trace ends at the SMTP relay.
    /// </summary>
    public static void AddEmailDelivery(this IHostApplicationBuilder builder)
    {
        // "Smtp": {
        //   "Host": "127.0.0.1", "Port": 1025,
        //   "Security": "None",                  // None | Auto | StartTls | StartTlsWhenAvailable | SslOnConnect
        //   "UserName": null, "Password": null,  // optional; the password is a secret
        //   "FromAddress": "no-reply@campus.local", "FromName": "Campus",
        //   "Timeout": "00:00:30",               // connect and per-command bound
        //   "PooledConnections": 4               // open connections kept for reuse
        // }
        builder.Services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IEmailSender, SmtpEmailSender>();

        if (ServiceDefaultsExtensions.DetailedTracing(builder.Configuration))
        {
            MailKit.Telemetry.SmtpClient.Configure();
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(MailKit.Telemetry.SmtpClient.ActivitySourceName));
        }
    }
}
