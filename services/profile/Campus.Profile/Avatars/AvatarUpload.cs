using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Profile.Avatars;

/// <summary>
/// An avatar upload URL issued to a user (table <c>avatar_uploads</c>). Keys are random, so this row is what ties an
/// upload key to the user it was issued to; once confirmed it names the checked copy, which makes a repeated confirm
/// harmless.
/// </summary>
public sealed class AvatarUpload
{
    /// <summary>The upload's id, what <c>POST /avatar/{id}/complete</c> names.</summary>
    public Guid Id { get; set; }

    /// <summary>The upload key the presigned PUT was issued for (<c>incoming/…</c>).</summary>
    public required string Key { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The type the upload URL was signed for; the checked copy must be of it.</summary>
    public required string ContentType { get; set; }

    /// <summary>The size declared at upload-url; the checked copy must have exactly it.</summary>
    public long Size { get; set; }

    /// <summary>The checked copy the upload became on confirm; null until then.</summary>
    public string? CheckedKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class AvatarUploadConfiguration : IEntityTypeConfiguration<AvatarUpload>
{
    public void Configure(EntityTypeBuilder<AvatarUpload> upload)
    {
        upload.ToTable("avatar_uploads");
        upload.HasKey(u => u.Key);
        // Rows issued before the id existed get one from the database.
        upload.Property(u => u.Id).HasDefaultValueSql("gen_random_uuid()");
        upload.HasIndex(u => u.Id).IsUnique();
        upload.Property(u => u.Key).HasMaxLength(300);
        upload.Property(u => u.CheckedKey).HasMaxLength(300);
        upload.Property(u => u.ContentType).HasMaxLength(100);
        upload.HasIndex(u => new { u.UserId, u.CreatedAt });
    }
}
