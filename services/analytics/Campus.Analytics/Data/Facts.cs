using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Analytics.Data;

// The fact tables: what analytics knows, fed only by the other services' events (services/analytics/README.md).
// Text columns hold the owners' wire values ('active', 'published', ...); timestamps are UTC. A row's version is the
// occurred_at of the newest state event applied to it; a row created by an event that arrived before its "create" is
// partial (the columns only the create carries are null) until the create completes it.

/// <summary>A user as auth (roles, status, sign-ins) and profile (name, contacts, department) describe them.</summary>
public sealed class UserFact
{
    public Guid UserId { get; set; }

    public string? DisplayName { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? Department { get; set; }

    public string? TimeZone { get; set; }

    public string[] Roles { get; set; } = [];

    /// <summary><c>active</c> or <c>blocked</c>.</summary>
    public string Status { get; set; } = "active";

    public DateTimeOffset? RegisteredAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>The newest auth event applied (roles, status).</summary>
    public DateTimeOffset? AuthVersion { get; set; }

    /// <summary>The newest profile event applied (name, contacts, department, time zone).</summary>
    public DateTimeOffset? ProfileVersion { get; set; }
}

/// <summary>A course; <see cref="State"/> is <c>draft</c>, <c>published</c>, <c>archived</c> or <c>deleted</c>.</summary>
public sealed class CourseFact
{
    public Guid CourseId { get; set; }

    /// <summary>Null only while the course is known from a <c>deleted</c> event alone.</summary>
    public string? Title { get; set; }

    public Guid? AuthorId { get; set; }

    public string State { get; set; } = "draft";

    public DateTimeOffset? CreatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset Version { get; set; }
}

/// <summary>A material of a course (a deleted material's row is removed).</summary>
public sealed class MaterialFact
{
    public Guid MaterialId { get; set; }

    public Guid CourseId { get; set; }

    public string Title { get; set; } = "";

    /// <summary><c>text</c>, <c>link</c>, <c>document</c> or <c>video</c>.</summary>
    public string Kind { get; set; } = "text";

    public bool Published { get; set; }

    public Guid? MediaId { get; set; }

    public int Position { get; set; }

    public DateTimeOffset Version { get; set; }
}

/// <summary>An uploaded video; <see cref="State"/> is <c>processing</c>, <c>ready</c> or <c>failed</c>.</summary>
public sealed class MediaFact
{
    public Guid MediaId { get; set; }

    public Guid OwnerId { get; set; }

    public string Filename { get; set; } = "";

    public string State { get; set; } = "processing";

    public double? DurationS { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset Version { get; set; }
}

/// <summary>
/// A learner's enrolment in a course with its progress (a withdrawn enrolment's row is removed). The state is derived
/// when read: completed if <see cref="CompletedAt"/>, overdue if <see cref="DueAt"/> passed, in progress if
/// <see cref="DoneMaterials"/> &gt; 0, else not started.
/// </summary>
public sealed class EnrolmentFact
{
    public Guid CourseId { get; set; }

    public Guid UserId { get; set; }

    /// <summary><c>self</c> or <c>assigned</c>; null while the row is partial (its create has not arrived).</summary>
    public string? Source { get; set; }

    /// <summary>Null while the row is partial (its create has not arrived).</summary>
    public DateTimeOffset? EnrolledAt { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    public int DoneMaterials { get; set; }

    public int TotalMaterials { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset? OverdueAt { get; set; }

    /// <summary>The newest enrolment state event applied (created, due changed, snapshot); the minimum while partial.</summary>
    public DateTimeOffset Version { get; set; }
}

/// <summary>A learner completed a material (once per learner and material).</summary>
public sealed class MaterialCompletionFact
{
    public Guid UserId { get; set; }

    public Guid MaterialId { get; set; }

    public Guid CourseId { get; set; }

    public DateTimeOffset CompletedAt { get; set; }
}

/// <summary>What a user did on one UTC day (counters, each event counted once through <see cref="ProcessedEvent"/>).</summary>
public sealed class ActivityDay
{
    public Guid UserId { get; set; }

    public DateOnly Day { get; set; }

    public int SignIns { get; set; }

    public int MaterialsDone { get; set; }

    public int Messages { get; set; }
}

/// <summary>A notification's final delivery on one channel: <c>sent</c> or <c>failed</c> after <see cref="Attempts"/>.</summary>
public sealed class NotificationDelivery
{
    public Guid NotificationId { get; set; }

    public Guid UserId { get; set; }

    public string Type { get; set; } = "";

    /// <summary><c>email</c> or <c>telegram</c>.</summary>
    public string Channel { get; set; } = "";

    public string State { get; set; } = "";

    public int Attempts { get; set; }

    public DateTimeOffset OccurredAt { get; set; }
}

/// <summary>The inbox of the counting consumers: an event id recorded in the same transaction as its effect.</summary>
public sealed class ProcessedEvent
{
    public Guid EventId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}

internal sealed class FactsConfiguration :
    IEntityTypeConfiguration<UserFact>, IEntityTypeConfiguration<CourseFact>, IEntityTypeConfiguration<MaterialFact>,
    IEntityTypeConfiguration<MediaFact>, IEntityTypeConfiguration<EnrolmentFact>, IEntityTypeConfiguration<MaterialCompletionFact>,
    IEntityTypeConfiguration<ActivityDay>, IEntityTypeConfiguration<NotificationDelivery>, IEntityTypeConfiguration<ProcessedEvent>
{
    public void Configure(EntityTypeBuilder<UserFact> user)
    {
        user.ToTable("users", t => t.HasCheckConstraint("ck_users_status", "status IN ('active', 'blocked')"));
        user.HasKey(u => u.UserId);
        user.Property(u => u.UserId).ValueGeneratedNever();
        user.Property(u => u.Roles).HasColumnType("text[]");
        user.HasIndex(u => u.Department);
    }

    public void Configure(EntityTypeBuilder<CourseFact> course)
    {
        course.ToTable("courses", t => t.HasCheckConstraint("ck_courses_state", "state IN ('draft', 'published', 'archived', 'deleted')"));
        course.HasKey(c => c.CourseId);
        course.Property(c => c.CourseId).ValueGeneratedNever();
        course.HasIndex(c => c.AuthorId);
    }

    public void Configure(EntityTypeBuilder<MaterialFact> material)
    {
        material.ToTable("materials");
        material.HasKey(m => m.MaterialId);
        material.Property(m => m.MaterialId).ValueGeneratedNever();
        material.HasIndex(m => m.CourseId);
        material.HasIndex(m => m.MediaId).HasFilter("media_id IS NOT NULL");
    }

    public void Configure(EntityTypeBuilder<MediaFact> media)
    {
        media.ToTable("media", t => t.HasCheckConstraint("ck_media_state", "state IN ('processing', 'ready', 'failed')"));
        media.HasKey(m => m.MediaId);
        media.Property(m => m.MediaId).ValueGeneratedNever();
        media.HasIndex(m => m.OwnerId);
    }

    public void Configure(EntityTypeBuilder<EnrolmentFact> enrolment)
    {
        enrolment.ToTable("enrolments", t => t.HasCheckConstraint("ck_enrolments_source", "source IN ('self', 'assigned')"));
        enrolment.HasKey(e => new { e.CourseId, e.UserId });
        enrolment.HasIndex(e => e.UserId);
        enrolment.HasIndex(e => e.DueAt).HasFilter("due_at IS NOT NULL AND completed_at IS NULL");
    }

    public void Configure(EntityTypeBuilder<MaterialCompletionFact> completion)
    {
        completion.ToTable("material_completions");
        completion.HasKey(c => new { c.UserId, c.MaterialId });
        completion.HasIndex(c => new { c.UserId, c.CourseId });
        completion.HasIndex(c => c.MaterialId);
    }

    public void Configure(EntityTypeBuilder<ActivityDay> activity)
    {
        activity.ToTable("activity_daily");
        activity.HasKey(a => new { a.UserId, a.Day });
        activity.HasIndex(a => a.Day);
    }

    public void Configure(EntityTypeBuilder<NotificationDelivery> delivery)
    {
        delivery.ToTable("notification_deliveries", t =>
        {
            t.HasCheckConstraint("ck_notification_deliveries_channel", "channel IN ('email', 'telegram')");
            t.HasCheckConstraint("ck_notification_deliveries_state", "state IN ('sent', 'failed')");
        });
        delivery.HasKey(d => d.NotificationId);
        delivery.Property(d => d.NotificationId).ValueGeneratedNever();
        delivery.HasIndex(d => d.OccurredAt);
        delivery.HasIndex(d => d.UserId);
    }

    public void Configure(EntityTypeBuilder<ProcessedEvent> processed)
    {
        processed.ToTable("processed_events");
        processed.HasKey(p => p.EventId);
        processed.Property(p => p.EventId).ValueGeneratedNever();
        processed.HasIndex(p => p.ProcessedAt);
    }
}
