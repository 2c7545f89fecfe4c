using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Notifications.Data;

/// <summary>
/// A course that was announced (<c>course_published</c>) and by which event. A course is announced once: content emits
/// <c>content.course.published</c> on every draft/archived → published transition, and archiving and re-publishing
/// must not e-mail every user again. The event id lets a redelivery of the announcing event finish its batches.
/// </summary>
public sealed class AnnouncedCourse
{
    public Guid CourseId { get; set; }

    /// <summary>The id of the <c>content.course.published</c> event that announced it.</summary>
    public Guid EventId { get; set; }

    public DateTimeOffset AnnouncedAt { get; set; }
}

internal sealed class AnnouncedCourseConfiguration : IEntityTypeConfiguration<AnnouncedCourse>
{
    public void Configure(EntityTypeBuilder<AnnouncedCourse> course)
    {
        course.ToTable("announced_courses");
        course.HasKey(c => c.CourseId);
        course.Property(c => c.CourseId).ValueGeneratedNever();
    }
}
