using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Data;

/// <summary>The notifications database, shared by the service (writes notifications) and the delivery worker (sends them).</summary>
/// <remarks>
/// New migration (the service is the startup project: it configures snake_case names):
/// <c>dotnet ef migrations add NAME -p services/notifications/Campus.Notifications.Data -s services/notifications/Campus.Notifications -o Migrations</c>.
/// </remarks>
public sealed class NotificationsDbContext(DbContextOptions<NotificationsDbContext> options) : DbContext(options)
{
    public DbSet<NotificationType> NotificationTypes => Set<NotificationType>();

    public DbSet<UserSetting> UserSettings => Set<UserSetting>();

    public DbSet<Template> Templates => Set<Template>();

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<TelegramLinkCode> TelegramLinkCodes => Set<TelegramLinkCode>();

    public DbSet<AnnouncedCourse> AnnouncedCourses => Set<AnnouncedCourse>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(NotificationsDbContext).Assembly);
    }
}
