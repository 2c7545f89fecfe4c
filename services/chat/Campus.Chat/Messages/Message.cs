using Campus.Chat.Chats;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Messages;

/// <summary>A message; its key is (chat, seq). A deleted message keeps its seq (so cursors stay stable) and loses its body.</summary>
public sealed class Message
{
    public Guid ChatId { get; set; }

    public long Seq { get; set; }

    public Guid AuthorId { get; set; }

    public string? Body { get; set; }

    /// <summary>The client's id for the post: the same id from the same author in the same chat is the same message.</summary>
    public string? ClientMsgId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EditedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> message)
    {
        message.ToTable("messages");
        message.HasKey(m => new { m.ChatId, m.Seq });
        message.Property(m => m.Seq).ValueGeneratedNever();
        message.Property(m => m.Body).HasMaxLength(ChatRules.MaxBodyLength);
        message.Property(m => m.ClientMsgId).HasMaxLength(ChatRules.ClientMsgIdLength);
        message.HasIndex(m => new { m.ChatId, m.AuthorId, m.ClientMsgId }).IsUnique();
        message.HasOne<ChatRoom>().WithMany().HasForeignKey(m => m.ChatId).OnDelete(DeleteBehavior.Cascade);
    }
}
