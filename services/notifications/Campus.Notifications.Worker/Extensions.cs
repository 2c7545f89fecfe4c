using Campus.Notifications.Data;
using Campus.Notifications.Worker.Delivery;
using Campus.Notifications.Worker.Email;
using Campus.Notifications.Worker.Telegram;

namespace Campus.Notifications.Worker;

internal static class Extensions
{
    /// <summary>
    /// The worker's registrations: the notifications database, the delivery consumer (queue
    /// <c>notifications.delivery</c>), the outbox that carries <c>notifications.telegram.linked</c>, the SMTP and
    /// Telegram senders, and the Telegram update poller of the link flow.
    /// </summary>
    public static void AddNotificationsWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<NotificationsDbContext>();
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<NotificationsDbContext>()
            .AddSubscription<DeliveryRequested, DeliverNotification>(DeliverNotification.Queue));
        builder.AddEmailDelivery();
        builder.AddTelegramDelivery();
        builder.Services.AddMetricsAtStart<DeliveryMetrics>();
        builder.Services.AddScoped<TelegramLinking>();
        builder.Services.AddHostedService<TelegramUpdatePoller>();
    }
}
