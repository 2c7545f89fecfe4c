using System.Globalization;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Notifications.Data;
using Campus.Notifications.Worker.Email;
using Campus.Notifications.Worker.Telegram;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Worker.Delivery;

/// <summary>
/// Sends one notification row (<see cref="DeliveryRequested"/>) and records the outcome on the row: the row is the
/// source of truth and the delivery log. A <c>sent</c> row is never sent again. A transient failure counts the attempt,
/// stores <c>last_error</c> and <c>next_attempt_at</c> and throws, so Campus.Messaging retries with its growing delays;
/// a permanent failure, or a transient one on the last attempt, marks the row <c>failed</c> and the message goes to
/// <c>notifications.delivery.dlq</c>.
/// </summary>
public sealed partial class DeliverNotification(
    NotificationsDbContext db,
    IEmailSender email,
    ITelegramSender telegram,
    IOptions<MessagingOptions> messaging,
    DeliveryMetrics metrics,
    TimeProvider time,
    ILogger<DeliverNotification> logger) : IIntegrationEventHandler<DeliveryRequested>
{
    public const string Queue = "notifications.delivery";

    public async Task HandleAsync(DeliveryRequested @event, MessageContext context, CancellationToken cancellationToken)
    {
        var id = @event.NotificationId;
        var due = await db.Notifications.AsNoTracking().Where(n => n.Id == id)
            .Select(n => new { n.Status, n.NextAttemptAt }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new PermanentMessageFailureException($"Notification {id} does not exist.");
        if (due.Status == NotificationStatus.Sent)
        {
            LogAlreadySent(id);
            return;
        }

        // The broker's delay follows the retry schedule; a longer wait the third party asked for (Telegram's
        // retry_after) is stored in next_attempt_at and honoured here, before anything is locked.
        // REVIEW: a very long retry_after holds one prefetch slot while it waits; Telegram's are seconds to minutes.
        if (due.NextAttemptAt - time.GetUtcNow() is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait, time, cancellationToken);
        }

        // The row lock makes a concurrent duplicate (a re-drive racing a redelivery) wait for this attempt and then
        // see the row sent, so one notification is never sent twice. It is held only while one send is in flight.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var notification = (await db.Notifications
            .FromSql($"SELECT * FROM notifications WHERE id = {id} FOR UPDATE")
            .ToListAsync(cancellationToken)).Single();
        if (notification.Status == NotificationStatus.Sent)
        {
            LogAlreadySent(id);
            return;
        }

        notification.Attempts++;
        DeliveryException? failure = null;
        var started = time.GetTimestamp();
        try
        {
            await SendAsync(notification, cancellationToken);
            notification.Status = NotificationStatus.Sent;
            notification.SentAt = time.GetUtcNow();
            notification.NextAttemptAt = null;
        }
        catch (DeliveryException ex)
        {
            failure = ex;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A bug or something unforeseen in a sender: retried like a transient failure; only the type is stored.
            failure = DeliveryException.Transient($"Unexpected {ex.GetType().Name} while sending.", ex);
        }

        if (failure is not null)
        {
            Record(notification, failure, context);
        }
        metrics.Attempted(notification.Channel, notification.Status switch
        {
            NotificationStatus.Sent => "sent",
            NotificationStatus.Failed => "failed",
            _ => "retry",
        }, time.GetElapsedTime(started));
        if (notification.Status is NotificationStatus.Sent or NotificationStatus.Failed)
        {
            // Analytics counts deliveries that ended; a retry to come is not one.
            db.AddOutboxMessage(DeliveryCompleted.Of(notification, time.GetUtcNow()));
        }
        // Not cancelled by a shutdown: the mail has gone out (or not), and that must be on the row either way, or a
        // redelivery would send it again.
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);

        switch (failure)
        {
            case null:
                LogSent(id, notification.Channel, notification.Attempts);
                return;
            case { IsPermanent: true }:
                throw new PermanentMessageFailureException(failure.Message, failure);
            default:
                // On the last attempt the library dead-letters whatever is thrown; the row is already failed.
                throw failure;
        }
    }

    private void Record(Notification notification, DeliveryException failure, MessageContext context)
    {
        var gaveUp = failure.IsPermanent || context.IsLastAttempt;
        var error = gaveUp && !failure.IsPermanent
            ? string.Create(CultureInfo.InvariantCulture, $"{failure.Message} (gave up after {notification.Attempts} attempts)")
            : failure.Message;
        notification.LastError = error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];
        if (gaveUp)
        {
            notification.Status = NotificationStatus.Failed;
            notification.NextAttemptAt = null;
            return;
        }
        // A failed row tried again (a re-drive of the broker's dead letter) is back in the queue.
        notification.Status = NotificationStatus.Pending;
        var delay = messaging.Value.RetryDelay(context.Attempt);
        if (failure.RetryAfter > delay)
        {
            delay = failure.RetryAfter.Value;
        }
        notification.NextAttemptAt = time.GetUtcNow() + delay;
    }

    private const int MaxErrorLength = 2000;

    private Task SendAsync(Notification notification, CancellationToken cancellationToken) => notification.Channel switch
    {
        Channels.Email => email.SendAsync(
            new EmailMessage(notification.Recipient, notification.Subject, HtmlText.ToPlainText(notification.Body), notification.Body),
            cancellationToken),
        Channels.Telegram when long.TryParse(notification.Recipient, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chatId) =>
            telegram.SendAsync(chatId, notification.Body, cancellationToken),
        Channels.Telegram => throw DeliveryException.Permanent("The recipient is not a Telegram chat id."),
        _ => throw DeliveryException.Permanent($"Unknown channel '{notification.Channel}'."),
    };

    [LoggerMessage(LogLevel.Information, "Notification {NotificationId} sent by {Channel} on attempt {Attempt}")]
    private partial void LogSent(Guid notificationId, string channel, int attempt);

    [LoggerMessage(LogLevel.Information, "Notification {NotificationId} was already sent; nothing to do")]
    private partial void LogAlreadySent(Guid notificationId);
}
