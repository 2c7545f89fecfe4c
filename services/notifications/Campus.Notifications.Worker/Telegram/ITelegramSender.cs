using Campus.Notifications.Worker.Delivery;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>Sends a Telegram text message; failures are <see cref="DeliveryException"/>s classified as transient or permanent.</summary>
public interface ITelegramSender
{
    Task SendAsync(long chatId, string text, CancellationToken cancellationToken);
}
