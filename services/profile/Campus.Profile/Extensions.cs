using Campus.Profile.Avatars;
using Campus.Profile.Data;
using Campus.Profile.Profiles;
using Campus.Profile.Social;
using Campus.Storage;

namespace Campus.Profile;

internal static class Extensions
{
    /// <summary>The profile service's own registrations: token validation, its database, broker and storage.</summary>
    public static void AddProfileServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<ProfileDbContext>();
        builder.AddCampusMessaging(messaging => messaging
            .AddOutbox<ProfileDbContext>()
            .AddSubscription<UserRegistered, CreateProfileOnRegistration>(CreateProfileOnRegistration.Queue)
            .AddSubscription<TelegramLinked, BindTelegramOnLink>(BindTelegramOnLink.Queue)
            .AddSubscription<RebuildRequested, PublishProfileSnapshots>(PublishProfileSnapshots.Queue));
        builder.AddCampusStorage(StorageBuckets.Avatars);
        builder.Services.AddScoped<AvatarPromotion>();
        // Profiles are read and written without them: events wait in the outbox, avatar uploads answer 503 meanwhile.
        builder.AddSoftDependencies("rabbitmq", "s3");
    }
}
