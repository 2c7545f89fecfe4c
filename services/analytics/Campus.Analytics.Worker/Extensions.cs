using Campus.Storage;

namespace Campus.Analytics.Worker;

internal static class Extensions
{
    /// <summary>The worker's registrations: the analytics database, the broker and storage.</summary>
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusPostgres();
        builder.AddCampusMessaging();
        builder.AddCampusStorage(StorageBuckets.Reports);
    }
}
