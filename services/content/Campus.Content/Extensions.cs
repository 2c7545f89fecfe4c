using Campus.Content.Data;
using Campus.Storage;

namespace Campus.Content;

internal static class Extensions
{
    /// <summary>The content service's own registrations: token validation, its database, broker and storage.</summary>
    public static void AddContentServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<ContentDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ContentDbContext>());
        builder.AddCampusStorage(StorageBuckets.MediaUploads, StorageBuckets.MediaHls, StorageBuckets.Documents);
    }
}
