using Campus.Chat.Data;

namespace Campus.Chat;

internal static class Extensions
{
    /// <summary>The chat service's own registrations: its database, broker, Redis and storage.</summary>
    public static void AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddCampusDbContext<ChatDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<ChatDbContext>());
        builder.AddCampusRedis();
        builder.AddCampusStorage();
    }
}
