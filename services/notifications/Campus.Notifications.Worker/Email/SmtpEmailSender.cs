using System.Collections.Concurrent;
using Campus.Notifications.Worker.Delivery;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Campus.Notifications.Worker.Email;

/// <summary>
/// Sends e-mail through the configured SMTP relay with MailKit, reusing a few open connections (a new connection per
/// mail costs a TCP + EHLO (+ TLS + AUTH) round trip each). Failures are classified for the retry policy:
/// a 5xx answer to the recipient or the message is permanent; 4xx, connection, protocol and timeout failures are
/// transient. A singleton: the pool is shared by all concurrent deliveries.
/// </summary>
public sealed partial class SmtpEmailSender(IOptions<SmtpOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender, IAsyncDisposable
{
    private readonly SmtpOptions _options = options.Value;
    private readonly ConcurrentBag<SmtpClient> _idle = [];

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var mime = Build(message);
        try
        {
            await SendPooledAsync(mime, cancellationToken);
        }
        catch (Exception ex) when (ex is not DeliveryException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Connection refused, TLS or protocol trouble, a timeout, a refused login: the relay or our settings, not
            // the recipient, so worth another try. MailKit's messages carry no credentials.
            throw DeliveryException.Transient($"SMTP {_options.Host}:{_options.Port}: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private async Task SendPooledAsync(MimeMessage mime, CancellationToken cancellationToken)
    {
        await SendOnAsync(await TakeLiveClientAsync(cancellationToken) ?? NewClient(), mime, cancellationToken);
    }

    /// <summary>
    /// A pooled connection that still answers NOOP, or null. The server may have closed an idle connection; finding
    /// that out with NOOP, before the mail, means a failure during the mail itself is never retried here, so a mail
    /// the server may already have accepted is not sent a second time.
    /// </summary>
    private async Task<SmtpClient?> TakeLiveClientAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var pooled))
        {
            try
            {
                await pooled.NoOpAsync(cancellationToken);
                return pooled;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogStaleConnection(ex);
                await CloseAsync(pooled);
            }
        }
        return null;
    }

    private SmtpClient NewClient() => new() { Timeout = (int)_options.Timeout.TotalMilliseconds };

    private async Task SendOnAsync(SmtpClient client, MimeMessage mime, CancellationToken cancellationToken)
    {
        var keep = false;
        try
        {
            if (!client.IsConnected)
            {
                await client.ConnectAsync(_options.Host, _options.Port, _options.Security, cancellationToken);
                if (!string.IsNullOrEmpty(_options.UserName))
                {
                    await client.AuthenticateAsync(_options.UserName, _options.Password ?? "", cancellationToken);
                }
            }
            await client.SendAsync(mime, cancellationToken);
            keep = _idle.Count < _options.PooledConnections;
        }
        catch (SmtpCommandException ex)
        {
            // After a refused command the session is still usable, but a fresh one is simpler to reason about.
            throw Classify(ex);
        }
        finally
        {
            if (keep)
            {
                _idle.Add(client);
            }
            else
            {
                await CloseAsync(client);
            }
        }
    }

    private MimeMessage Build(EmailMessage message)
    {
        MailboxAddress to;
        try
        {
            to = MailboxAddress.Parse(message.To);
        }
        catch (ParseException ex)
        {
            throw DeliveryException.Permanent("Invalid recipient address.", ex);
        }
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        return new MimeMessage(
            [new MailboxAddress(_options.FromName, _options.FromAddress)],
            [to],
            message.Subject ?? "",
            body.ToMessageBody());
    }

    /// <summary>SMTP's own split: 5xx is permanent, 4xx asks to try later (RFC 5321 §4.2.1).</summary>
    internal static DeliveryException Classify(SmtpCommandException ex)
    {
        var code = (int)ex.StatusCode;
        var text = $"SMTP {code} on {Describe(ex.ErrorCode)}: {ex.Message}";
        // A refused sender is our own configuration (From address, relay permissions), not the recipient's fault:
        // retried, so fixing the setting lets the queued mails through.
        var permanent = code >= 500 && ex.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted;
        return permanent ? DeliveryException.Permanent(text, ex) : DeliveryException.Transient(text, ex);
    }

    private static string Describe(SmtpErrorCode code) => code switch
    {
        SmtpErrorCode.RecipientNotAccepted => "RCPT",
        SmtpErrorCode.SenderNotAccepted => "MAIL FROM",
        SmtpErrorCode.MessageNotAccepted => "DATA",
        _ => "command",
    };

    private static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, timeout.Token);
            }
        }
        catch (Exception)
        {
            // The mail is already sent or already failed; a failed QUIT changes nothing.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            await CloseAsync(client);
        }
    }

    [LoggerMessage(LogLevel.Debug, "A pooled SMTP connection was no longer usable; sending on a new one")]
    private partial void LogStaleConnection(Exception exception);
}
