using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Profile.ExperienceLevels;

/// <summary>A level a profile can name (junior, middle, ...); admins manage the list.</summary>
public sealed class ExperienceLevel
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Ordering: lower ranks first.</summary>
    public int Rank { get; set; }

    public string? Description { get; set; }
}

internal sealed class ExperienceLevelConfiguration : IEntityTypeConfiguration<ExperienceLevel>
{
    public const int NameLength = 100;
    public const int DescriptionLength = 1000;
    /// <summary>The ranks an administrator gives (levels are listed by rank, lowest first).</summary>
    public const int MinRank = 0;
    public const int MaxRank = 10_000;

    public void Configure(EntityTypeBuilder<ExperienceLevel> level)
    {
        level.ToTable("experience_levels");
        level.HasKey(l => l.Id);
        level.Property(l => l.Name).HasMaxLength(NameLength);
        level.Property(l => l.Description).HasMaxLength(DescriptionLength);
        level.HasIndex(l => l.Name).IsUnique();
    }
}
