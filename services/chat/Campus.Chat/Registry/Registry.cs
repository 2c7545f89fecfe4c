using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Registry;

/// <summary>A user chat knows to exist: from auth's <c>auth.user.registered</c>, or by having called chat with a valid token.</summary>
public sealed class KnownUser
{
    public Guid UserId { get; set; }

    public DateTimeOffset KnownSince { get; set; }
}

/// <summary>A course chat knows to exist and its author, from content's course events; a deleted course stays as a tombstone.</summary>
public sealed class KnownCourse
{
    public Guid CourseId { get; set; }

    public Guid AuthorId { get; set; }

    public bool Deleted { get; set; }
}

internal sealed class RegistryConfiguration : IEntityTypeConfiguration<KnownUser>, IEntityTypeConfiguration<KnownCourse>
{
    public void Configure(EntityTypeBuilder<KnownUser> user)
    {
        user.ToTable("known_users");
        user.HasKey(u => u.UserId);
        user.Property(u => u.UserId).ValueGeneratedNever();
    }

    public void Configure(EntityTypeBuilder<KnownCourse> course)
    {
        course.ToTable("known_courses");
        course.HasKey(c => c.CourseId);
        course.Property(c => c.CourseId).ValueGeneratedNever();
    }
}
