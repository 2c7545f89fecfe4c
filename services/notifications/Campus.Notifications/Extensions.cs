using Campus.Notifications.Data;

namespace Campus.Notifications;

internal static class Extensions
{
    /// <summary>The notifications service's own registrations: token validation, its database, broker.</summary>
    public static void AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<NotificationsDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<NotificationsDbContext>());
    }
}
