using Campus.Analytics.Data;
using Campus.Analytics.Reports;
using Campus.Storage;

namespace Campus.Analytics;

internal static class Extensions
{
    /// <summary>The analytics service's own registrations: token validation, its database, broker and storage.</summary>
    public static void AddAnalyticsServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<AnalyticsDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<AnalyticsDbContext>());
        builder.AddCampusStorage(StorageBuckets.Reports);
        builder.AddReports();
        // Report requests wait in the outbox while RabbitMQ is down; downloads answer 503 while S3 is.
        builder.AddSoftDependencies("rabbitmq", "s3");
    }
}
