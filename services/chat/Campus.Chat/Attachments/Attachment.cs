using Campus.Chat.Chats;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Attachments;

public enum AttachmentStatus
{
    /// <summary>An upload URL was issued; nothing checked yet.</summary>
    Pending,

    /// <summary>The object was verified (size, type, magic number) and can be attached and read.</summary>
    Ready,
}

/// <summary>A file in the chat-attachments bucket, under <c>{chat id}/{random}{ext}</c>; the key never comes from the client.</summary>
public sealed class Attachment
{
    public Guid Id { get; set; }

    public Guid ChatId { get; set; }

    public Guid UploaderId { get; set; }

    /// <summary>The upload key while pending; once ready, the checked copy, the only key ever delivered.</summary>
    public required string Key { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    /// <summary>Declared size while pending, the stored size once ready.</summary>
    public long Size { get; set; }

    public AttachmentStatus Status { get; set; }

    /// <summary>The message it belongs to; null until posted with one.</summary>
    public long? MessageSeq { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> attachment)
    {
        attachment.ToTable("attachments");
        attachment.HasKey(a => a.Id);
        attachment.Property(a => a.Key).HasMaxLength(300);
        attachment.Property(a => a.FileName).HasMaxLength(ChatRules.FileNameLength);
        attachment.Property(a => a.ContentType).HasMaxLength(200);
        attachment.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        attachment.HasIndex(a => new { a.ChatId, a.MessageSeq });
        attachment.HasOne<ChatRoom>().WithMany().HasForeignKey(a => a.ChatId).OnDelete(DeleteBehavior.Cascade);
    }
}
