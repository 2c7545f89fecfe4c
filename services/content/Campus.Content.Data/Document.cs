using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Content.Data;

public enum DocumentStatus
{
    Uploading,
    Ready,
    Failed,
}

/// <summary>A file (PDF, Office document, or a cover image) uploaded straight to the <c>documents</c> bucket (table <c>documents</c>).</summary>
public sealed class Document
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>The client's file name, used in the download's Content-Disposition.</summary>
    public required string Filename { get; set; }

    public required string ContentType { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Key in the <c>documents</c> bucket: the upload key while uploading, the checked copy once ready (the only one served).</summary>
    public required string Key { get; set; }

    public DocumentStatus Status { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>An upload not completed by then is marked failed by the sweeper.</summary>
    public DateTimeOffset UploadExpiresAt { get; set; }
}

internal sealed class DocumentConfiguration : IEntityTypeConfiguration<Document>
{
    public void Configure(EntityTypeBuilder<Document> document)
    {
        document.ToTable("documents");
        document.HasKey(d => d.Id);
        document.Property(d => d.Id).ValueGeneratedNever();
        document.Property(d => d.Filename).HasMaxLength(MediaFile.FilenameLength);
        document.Property(d => d.ContentType).HasMaxLength(127);
        document.Property(d => d.Key).HasMaxLength(300);
        document.Property(d => d.Status).AsText();
        document.Property(d => d.Error).HasMaxLength(MediaFile.ErrorLength);
        document.HasIndex(d => d.OwnerId);
        document.HasIndex(d => d.UploadExpiresAt, "ix_documents_uploading_expiry").HasDatabaseName("ix_documents_uploading_expiry").HasFilter("status = 'uploading'");
    }
}
