using Campus.Chat.Data;
using Campus.Storage;

namespace Campus.Chat;

internal static class Extensions
{
    /// <summary>The chat service's own registrations: token validation, its database, broker, Redis and storage.</summary>
    public static void AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<ChatDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ChatDbContext>());
        builder.AddCampusRedis();
        builder.AddCampusStorage(StorageBuckets.ChatAttachments);
    }
}
