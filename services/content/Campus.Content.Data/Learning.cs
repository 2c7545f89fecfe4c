using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Content.Data;

public enum EnrolmentSource
{
    Self,
    Assigned,
}

/// <summary>
/// What content knows about a user from profile's <c>profile.profile.updated</c> (table <c>learners</c>): the current
/// department and IANA time zone. The newest event wins (by occurred-at, then event id), so redelivery and reordering
/// never bring an old department back.
/// </summary>
public sealed class Learner
{
    public const int DepartmentLength = 200;
    public const int TimeZoneLength = 100;

    public Guid UserId { get; set; }

    public string? Department { get; set; }

    public string? TimeZone { get; set; }

    /// <summary>When the event that set these values happened (the ordering key with <see cref="EventId"/>).</summary>
    public DateTimeOffset EventOccurredAt { get; set; }

    public Guid EventId { get; set; }

    /// <summary>When the current department was first seen (the start of "days from joining").</summary>
    public DateTimeOffset DepartmentSince { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A course assigned to one user (<see cref="UserId"/>) or to a whole department (<see cref="Department"/>, which also
/// covers people who join it later), with an optional due rule: an instant (<see cref="DueAt"/>), the end of a calendar
/// day in the learner's time zone (<see cref="DueDate"/>) or a number of days from joining / assignment
/// (<see cref="DueInDays"/>, end of that day in the learner's time zone).
/// </summary>
public sealed class Assignment
{
    public Guid Id { get; set; }

    public Guid CourseId { get; set; }

    public Guid? UserId { get; set; }

    public string? Department { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    public DateOnly? DueDate { get; set; }

    public int? DueInDays { get; set; }

    public Guid AssignedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A learner's enrolment in a course (table <c>enrolments</c>, one per learner and course): by themselves (<c>self</c>)
/// or by an assignment (<c>assigned</c>). Progress is not stored here: it lives in <see cref="MaterialProgress"/> and
/// <see cref="CourseCompletion"/>, so leaving a course or a withdrawn assignment keeps it.
/// </summary>
public sealed class Enrolment
{
    public Guid Id { get; set; }

    public Guid CourseId { get; set; }

    public Guid UserId { get; set; }

    public EnrolmentSource Source { get; set; }

    public Guid? AssignedBy { get; set; }

    /// <summary>UTC; null when there is no due date.</summary>
    public DateTimeOffset? DueAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The due date <c>content.enrolment.due_soon</c> was published for (a new due date re-arms it).</summary>
    public DateTimeOffset? DueSoonSentFor { get; set; }

    /// <summary>The due date <c>content.enrolment.overdue</c> was published for (a new due date re-arms it).</summary>
    public DateTimeOffset? OverdueSentFor { get; set; }
}

/// <summary>
/// A learner's progress in one material (table <c>material_progress</c>). Videos keep the merged watched intervals and
/// the recent play cursors in <see cref="WatchState"/> (JSON), changed by optimistic concurrency on <see cref="Version"/>.
/// <see cref="CompletedAt"/> is set once.
/// </summary>
public sealed class MaterialProgress
{
    public Guid UserId { get; set; }

    public Guid MaterialId { get; set; }

    public Guid CourseId { get; set; }

    public string? WatchState { get; set; }

    public double WatchedSeconds { get; set; }

    public double? DurationSeconds { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public int Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A learner completed a course (table <c>course_completions</c>): written once, kept when materials are added later.</summary>
public sealed class CourseCompletion
{
    public Guid UserId { get; set; }

    public Guid CourseId { get; set; }

    public DateTimeOffset CompletedAt { get; set; }
}

internal sealed class LearningConfiguration :
    IEntityTypeConfiguration<Learner>, IEntityTypeConfiguration<Assignment>, IEntityTypeConfiguration<Enrolment>,
    IEntityTypeConfiguration<MaterialProgress>, IEntityTypeConfiguration<CourseCompletion>
{
    public void Configure(EntityTypeBuilder<Learner> learner)
    {
        learner.ToTable("learners");
        learner.HasKey(l => l.UserId);
        learner.Property(l => l.UserId).ValueGeneratedNever();
        learner.Property(l => l.Department).HasMaxLength(Learner.DepartmentLength);
        learner.Property(l => l.TimeZone).HasMaxLength(Learner.TimeZoneLength);
        learner.HasIndex(l => l.Department);
    }

    public void Configure(EntityTypeBuilder<Assignment> assignment)
    {
        assignment.ToTable("assignments");
        assignment.HasKey(a => a.Id);
        assignment.Property(a => a.Id).ValueGeneratedNever();
        assignment.Property(a => a.Department).HasMaxLength(Learner.DepartmentLength);
        assignment.HasOne<Course>().WithMany().HasForeignKey(a => a.CourseId).OnDelete(DeleteBehavior.Cascade);
        assignment.HasIndex(a => new { a.CourseId, a.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        assignment.HasIndex(a => new { a.CourseId, a.Department }).IsUnique().HasFilter("department IS NOT NULL");
        assignment.HasIndex(a => a.Department).HasFilter("department IS NOT NULL");
        assignment.ToTable(t => t.HasCheckConstraint("ck_assignments_target", "(user_id IS NULL) <> (department IS NULL)"));
    }

    public void Configure(EntityTypeBuilder<Enrolment> enrolment)
    {
        enrolment.ToTable("enrolments");
        enrolment.HasKey(e => e.Id);
        enrolment.Property(e => e.Id).ValueGeneratedNever();
        enrolment.Property(e => e.Source).AsText();
        enrolment.HasOne<Course>().WithMany().HasForeignKey(e => e.CourseId).OnDelete(DeleteBehavior.Cascade);
        enrolment.HasIndex(e => new { e.CourseId, e.UserId }).IsUnique();
        enrolment.HasIndex(e => e.UserId);
        enrolment.HasIndex(e => e.DueAt).HasFilter("due_at IS NOT NULL");
    }

    public void Configure(EntityTypeBuilder<MaterialProgress> progress)
    {
        progress.ToTable("material_progress");
        progress.HasKey(p => new { p.UserId, p.MaterialId });
        progress.Property(p => p.WatchState).HasColumnType("jsonb");
        progress.HasOne<Material>().WithMany().HasForeignKey(p => p.MaterialId).OnDelete(DeleteBehavior.Cascade);
        progress.HasIndex(p => new { p.UserId, p.CourseId });
    }

    public void Configure(EntityTypeBuilder<CourseCompletion> completion)
    {
        completion.ToTable("course_completions");
        completion.HasKey(c => new { c.UserId, c.CourseId });
        completion.HasOne<Course>().WithMany().HasForeignKey(c => c.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}
