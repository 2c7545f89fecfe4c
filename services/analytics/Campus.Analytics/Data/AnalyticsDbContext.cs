using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Data;

/// <summary>The analytics service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/analytics/Campus.Analytics -o Data/Migrations</c>.
/// </remarks>
public sealed class AnalyticsDbContext(DbContextOptions<AnalyticsDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AnalyticsDbContext).Assembly);
    }
}
