using Campus.Analytics.Data;

namespace Campus.Analytics;

internal static class Extensions
{
    /// <summary>The analytics service's own registrations: its database, broker and storage.</summary>
    public static void AddAnalyticsServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<AnalyticsDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<AnalyticsDbContext>());
        builder.AddCampusStorage();
    }
}
