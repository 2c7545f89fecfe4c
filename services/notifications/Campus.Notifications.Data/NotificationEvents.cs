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
