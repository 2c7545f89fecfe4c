using Campus.Storage;

namespace Campus.Content.Worker;

internal static class Extensions
{
    /// <summary>The worker's registrations: the content database, the broker and storage.</summary>
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusPostgres();
        builder.AddCampusMessaging();
        builder.AddCampusStorage(StorageBuckets.MediaUploads, StorageBuckets.MediaHls);
    }
}
