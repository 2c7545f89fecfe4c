using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Data;

/// <summary>The notifications service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/notifications/Campus.Notifications -o Data/Migrations</c>.
/// </remarks>
public sealed class NotificationsDbContext(DbContextOptions<NotificationsDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(NotificationsDbContext).Assembly);
    }
}
