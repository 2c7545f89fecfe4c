using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// The dashboard's own indexes on the fact tables (migration <c>DashboardIndexes</c>): each covers what its query reads,
/// so the period's rows are counted from the index alone (index-only scans; the tables are vacuumed often enough for
/// the visibility map to hold).
/// </summary>
internal sealed class DashboardIndexes : IEntityTypeConfiguration<EnrolmentFact>, IEntityTypeConfiguration<ActivityDay>,
    IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<EnrolmentFact> enrolment)
    {
        // Enrolments of a period, with whether they are completed by now; the user for a department's join.
        enrolment.HasIndex(e => e.EnrolledAt, "ix_enrolments_enrolled_at").HasDatabaseName("ix_enrolments_enrolled_at")
            .IncludeProperties(e => new { e.CompletedAt, e.UserId })
            .HasFilter("enrolled_at IS NOT NULL");
        // Completions of a period: the course for the top courses, the enrolment time for the time to complete.
        enrolment.HasIndex(e => e.CompletedAt, "ix_enrolments_completed_at").HasDatabaseName("ix_enrolments_completed_at")
            .IncludeProperties(e => new { e.EnrolledAt, e.CourseId, e.UserId })
            .HasFilter("completed_at IS NOT NULL");
    }

    // Active users and messages of a run of days.
    public void Configure(EntityTypeBuilder<ActivityDay> activity) =>
        activity.HasIndex(a => new { a.Day, a.UserId }, "ix_activity_daily_day_user_id").HasDatabaseName("ix_activity_daily_day_user_id").IncludeProperties(a => a.Messages);

    // Deliveries of a period by channel and state.
    public void Configure(EntityTypeBuilder<NotificationDelivery> delivery) =>
        delivery.HasIndex(d => d.OccurredAt, "ix_notification_deliveries_occurred_at_channel").HasDatabaseName("ix_notification_deliveries_occurred_at_channel")
            .IncludeProperties(d => new { d.Channel, d.State, d.UserId });
}
