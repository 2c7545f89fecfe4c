using Campus.Notifications.Data;

namespace Campus.Notifications;

internal static class Extensions
{
    /// <summary>The notifications service's own registrations: its database, broker.</summary>
    public static void AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<NotificationsDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<NotificationsDbContext>());
    }
}
