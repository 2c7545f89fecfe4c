using Campus.Content.Data;

namespace Campus.Content;

internal static class Extensions
{
    /// <summary>The content service's own registrations: its database, broker and storage.</summary>
    public static void AddContentServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<ContentDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ContentDbContext>());
        builder.AddCampusStorage();
    }
}
