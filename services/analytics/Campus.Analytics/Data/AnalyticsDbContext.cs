using Campus.Analytics.Reports;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Data;

/// <summary>The analytics service's database.</summary>
/// <remarks>
/// New migration: <c>dotnet ef migrations add NAME -p services/analytics/Campus.Analytics -o Data/Migrations</c>.
/// </remarks>
public sealed class AnalyticsDbContext(DbContextOptions<AnalyticsDbContext> options) : DbContext(options)
{
    public DbSet<UserFact> Users => Set<UserFact>();

    public DbSet<CourseFact> Courses => Set<CourseFact>();

    public DbSet<MaterialFact> Materials => Set<MaterialFact>();

    public DbSet<MediaFact> Media => Set<MediaFact>();

    public DbSet<EnrolmentFact> Enrolments => Set<EnrolmentFact>();

    public DbSet<MaterialCompletionFact> MaterialCompletions => Set<MaterialCompletionFact>();

    public DbSet<ActivityDay> ActivityDaily => Set<ActivityDay>();

    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();

    public DbSet<ProcessedEvent> ProcessedEvents => Set<ProcessedEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AnalyticsDbContext).Assembly);
        // report_requests: mapped in Campus.Analytics.Reports, shared with the report worker.
        modelBuilder.AddReports();
    }
}
