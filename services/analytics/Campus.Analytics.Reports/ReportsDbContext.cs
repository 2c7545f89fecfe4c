using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Reports;

/// <summary>
/// The report worker's view of the analytics database: <c>report_requests</c>, <c>report_schedules</c> and the outbox, nothing else. The
/// analytics service's own context owns the tables and their migrations; this one never migrates.
/// </summary>
public sealed class ReportsDbContext(DbContextOptions<ReportsDbContext> options) : DbContext(options)
{
    public DbSet<ReportRequest> ReportRequests => Set<ReportRequest>();

    public DbSet<ReportSchedule> ReportSchedules => Set<ReportSchedule>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutbox();
        modelBuilder.AddReports();
    }
}
