using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Profile.Profiles;

/// <summary>A user's profile; the key is the auth service's user id (no foreign key: auth owns users).</summary>
public sealed class UserProfile
{
    public Guid UserId { get; set; }

    public string? FirstName { get; set; }

    public string? MiddleName { get; set; }

    public string? LastName { get; set; }

    public string? DisplayName { get; set; }

    public string? JobTitle { get; set; }

    public string? Department { get; set; }

    public Guid? ExperienceLevelId { get; set; }

    public string? About { get; set; }

    public string? City { get; set; }

    /// <summary>IANA time zone id, e.g. <c>Europe/Moscow</c>.</summary>
    public string? TimeZone { get; set; }

    public string? Locale { get; set; }

    /// <summary>Object key in the avatars bucket: always a checked copy (<c>checked/…</c>), never a key a client can write.</summary>
    public string? AvatarKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL <c>xmin</c>: two concurrent updates must not both write history from the same old values.</summary>
    public uint Version { get; set; }
}

/// <summary>One changed field of a profile: written in the transaction that changed it.</summary>
public sealed class ProfileHistoryEntry
{
    public long Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The field's wire name, e.g. <c>display_name</c>.</summary>
    public required string Field { get; set; }

    public string? OldValue { get; set; }

    public string? NewValue { get; set; }

    /// <summary>The user id of whoever changed it (the owner, or an admin).</summary>
    public Guid ChangedBy { get; set; }

    public DateTimeOffset ChangedAt { get; set; }
}

internal sealed class ProfileConfiguration : IEntityTypeConfiguration<UserProfile>, IEntityTypeConfiguration<ProfileHistoryEntry>
{
    public void Configure(EntityTypeBuilder<UserProfile> profile)
    {
        profile.ToTable("profiles");
        profile.HasKey(p => p.UserId);
        profile.Property(p => p.UserId).ValueGeneratedNever();
        profile.Property(p => p.FirstName).HasMaxLength(ProfileRules.NameLength);
        profile.Property(p => p.MiddleName).HasMaxLength(ProfileRules.NameLength);
        profile.Property(p => p.LastName).HasMaxLength(ProfileRules.NameLength);
        profile.Property(p => p.DisplayName).HasMaxLength(ProfileRules.NameLength);
        profile.Property(p => p.JobTitle).HasMaxLength(ProfileRules.TitleLength);
        profile.Property(p => p.Department).HasMaxLength(ProfileRules.TitleLength);
        profile.Property(p => p.About).HasMaxLength(ProfileRules.AboutLength);
        profile.Property(p => p.City).HasMaxLength(ProfileRules.NameLength);
        profile.Property(p => p.TimeZone).HasMaxLength(ProfileRules.TimeZoneLength);
        profile.Property(p => p.Locale).HasMaxLength(ProfileRules.LocaleLength);
        profile.Property(p => p.AvatarKey).HasMaxLength(300);
        profile.Property(p => p.Version).IsRowVersion();
        profile.HasIndex(p => p.ExperienceLevelId);
    }

    public void Configure(EntityTypeBuilder<ProfileHistoryEntry> entry)
    {
        entry.ToTable("profile_history");
        entry.HasKey(e => e.Id);
        entry.Property(e => e.Field).HasMaxLength(64);
        entry.HasIndex(e => new { e.UserId, e.ChangedAt, e.Id }).IsDescending(false, true, true);
    }
}
