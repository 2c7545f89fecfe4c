using Campus.Auth.Data;

namespace Campus.Auth;

internal static class Extensions
{
    /// <summary>The auth service's own registrations: token validation, its database, broker, Redis.</summary>
    public static void AddAuthServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication();
        builder.AddCampusDbContext<AuthDbContext>();
        builder.AddCampusMessaging(messaging => messaging.AddOutbox<AuthDbContext>());
        builder.AddCampusRedis();
    }
}
