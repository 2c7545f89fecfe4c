using Campus.Messaging;

namespace Campus.Notifications.Data;

/// <summary>
/// Work for the delivery worker (queue <c>notifications.delivery</c>): send the <see cref="Notification"/> row
/// <paramref name="NotificationId"/>. Written through the outbox with the row; the row is the source of truth, so a
/// duplicate message finds it already <c>sent</c>.
/// </summary>
[RoutingKey("notifications.delivery.requested")]
public sealed record DeliveryRequested(Guid NotificationId) : IntegrationEvent;

/// <summary>
/// A user linked a Telegram chat (the worker publishes it after <c>/start CODE</c>); the profile service turns it into
/// a social binding.
/// </summary>
[RoutingKey("notifications.telegram.linked")]
public sealed record TelegramLinked(Guid UserId, long ChatId, string? Username) : IntegrationEvent;

/// <summary>
/// A notification's delivery on its channel ended: <see cref="State"/> <c>sent</c>, or <c>failed</c> for good (a permanent
/// failure or the last attempt), after <see cref="Attempts"/> attempts. Published by the delivery worker with the row.
/// <see cref="NotificationType"/> is the notification's type key (<c>type</c> on the wire is the event's own routing key).
/// </summary>
[RoutingKey("notifications.delivery.completed")]
public sealed record DeliveryCompleted(Guid NotificationId, Guid UserId, string NotificationType, string Channel, string State, int Attempts) : IntegrationEvent
{
    /// <summary>The event of <paramref name="notification"/>, which must be sent or failed.</summary>
    public static DeliveryCompleted Of(Notification notification, DateTimeOffset now) =>
        new(notification.Id, notification.UserId, notification.TypeKey, notification.Channel,
            notification.Status == NotificationStatus.Sent ? "sent" : "failed", notification.Attempts)
        { OccurredAt = now };
}

/// <summary>
/// A finished delivery (sent or failed) re-published when analytics asks for a rebuild (<see cref="RebuildRequested"/>);
/// <see cref="IntegrationEvent.OccurredAt"/> is when it ended. No notification reacts to it.
/// </summary>
[RoutingKey("notifications.delivery.snapshot")]
public sealed record DeliverySnapshot(Guid NotificationId, Guid UserId, string NotificationType, string Channel, string State, int Attempts) : IntegrationEvent;

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
