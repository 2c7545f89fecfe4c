using Campus.Profile.Data;

namespace Campus.Profile;

internal static class Extensions
{
    /// <summary>The profile service's own registrations: its database, broker and storage.</summary>
    public static void AddProfileServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<ProfileDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ProfileDbContext>());
        builder.AddCampusStorage();
    }
}
