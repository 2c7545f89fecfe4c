using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Content.Data;

public enum CourseStatus
{
    Draft,
    Published,
    Archived,
}

public enum MaterialKind
{
    Video,
    Document,
    Text,
    Link,
}

/// <summary>A course (table <c>courses</c>): students see it only while it is published.</summary>
public sealed class Course
{
    public const int TitleLength = 200;
    public const int DescriptionLength = 5000;

    public Guid Id { get; set; }

    /// <summary>The author who created it (the auth service's user id; no foreign key, auth owns users).</summary>
    public Guid AuthorId { get; set; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    /// <summary>A ready image in <c>documents</c> owned by the author, shown as the course cover.</summary>
    public Guid? CoverDocumentId { get; set; }

    public CourseStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The first publication (kept when a course is archived).</summary>
    public DateTimeOffset? PublishedAt { get; set; }
}

/// <summary>An ordered section of a course (table <c>sections</c>); positions are 0..n-1 within the course.</summary>
public sealed class Section
{
    public const int TitleLength = 200;

    public Guid Id { get; set; }

    public Guid CourseId { get; set; }

    public required string Title { get; set; }

    public int Position { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// An ordered item of a section (table <c>materials</c>): a video (<see cref="MediaId"/>), a document
/// (<see cref="DocumentId"/>), a text (<see cref="Body"/>) or a link (<see cref="Url"/>). Students see it when the course
/// is published and <see cref="IsPublished"/> is set (an author hides a material that is not finished yet).
/// </summary>
public sealed class Material
{
    public const int TitleLength = 200;
    public const int BodyLength = 100_000;
    public const int UrlLength = 2000;

    public Guid Id { get; set; }

    public Guid SectionId { get; set; }

    public MaterialKind Kind { get; set; }

    public required string Title { get; set; }

    public int Position { get; set; }

    public bool IsPublished { get; set; } = true;

    public Guid? MediaId { get; set; }

    public Guid? DocumentId { get; set; }

    public string? Body { get; set; }

    public string? Url { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class CourseConfiguration :
    IEntityTypeConfiguration<Course>, IEntityTypeConfiguration<Section>, IEntityTypeConfiguration<Material>
{
    public void Configure(EntityTypeBuilder<Course> course)
    {
        course.ToTable("courses");
        course.HasKey(c => c.Id);
        course.Property(c => c.Id).ValueGeneratedNever();
        course.Property(c => c.Title).HasMaxLength(Course.TitleLength);
        course.Property(c => c.Description).HasMaxLength(Course.DescriptionLength);
        course.Property(c => c.Status).AsText();
        course.HasOne<Document>().WithMany().HasForeignKey(c => c.CoverDocumentId).OnDelete(DeleteBehavior.SetNull);
        course.HasIndex(c => new { c.Status, c.CreatedAt });
        course.HasIndex(c => new { c.AuthorId, c.CreatedAt });
    }

    public void Configure(EntityTypeBuilder<Section> section)
    {
        section.ToTable("sections");
        section.HasKey(s => s.Id);
        section.Property(s => s.Id).ValueGeneratedNever();
        section.Property(s => s.Title).HasMaxLength(Section.TitleLength);
        section.HasOne<Course>().WithMany().HasForeignKey(s => s.CourseId).OnDelete(DeleteBehavior.Cascade);
        section.HasIndex(s => new { s.CourseId, s.Position });
    }

    public void Configure(EntityTypeBuilder<Material> material)
    {
        material.ToTable("materials");
        material.HasKey(m => m.Id);
        material.Property(m => m.Id).ValueGeneratedNever();
        material.Property(m => m.Kind).AsText();
        material.Property(m => m.Title).HasMaxLength(Material.TitleLength);
        material.Property(m => m.Body).HasMaxLength(Material.BodyLength);
        material.Property(m => m.Url).HasMaxLength(Material.UrlLength);
        material.HasOne<Section>().WithMany().HasForeignKey(m => m.SectionId).OnDelete(DeleteBehavior.Cascade);
        material.HasOne<MediaFile>().WithMany().HasForeignKey(m => m.MediaId).OnDelete(DeleteBehavior.Restrict);
        material.HasOne<Document>().WithMany().HasForeignKey(m => m.DocumentId).OnDelete(DeleteBehavior.Restrict);
        material.HasIndex(m => new { m.SectionId, m.Position });
    }
}
