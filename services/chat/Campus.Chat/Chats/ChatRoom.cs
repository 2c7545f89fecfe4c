using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Chats;

public enum ChatType
{
    Group,
    Direct,
    Course,
}

public enum ParticipantRole
{
    Member,
    Moderator,
}

/// <summary>A conversation. <see cref="LastSeq"/> is the per-chat message counter, advanced with <c>UPDATE … RETURNING</c>.</summary>
public sealed class ChatRoom
{
    public Guid Id { get; set; }

    public ChatType Type { get; set; }

    public string? Title { get; set; }

    public Guid? CourseId { get; set; }

    /// <summary>For direct chats only: <c>"{smaller user id}:{larger user id}"</c>, unique, so a pair has one direct chat.</summary>
    public string? DirectKey { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The seq of the newest message (0: none). Updated in the posting transaction, so seqs have no gaps.</summary>
    public long LastSeq { get; set; }

    /// <summary>When the newest message was posted (or the chat created): the order of "my chats".</summary>
    public DateTimeOffset LastActivityAt { get; set; }

    public static string DirectKeyOf(Guid a, Guid b) => a.CompareTo(b) < 0 ? $"{a}:{b}" : $"{b}:{a}";
}

/// <summary>A user in a chat; the user id is auth's (no foreign key: auth owns users).</summary>
public sealed class Participant
{
    public Guid ChatId { get; set; }

    public Guid UserId { get; set; }

    public ParticipantRole Role { get; set; }

    /// <summary>The highest seq the user has read; messages above it (not their own, not deleted) are unread.</summary>
    public long LastReadSeq { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}

internal sealed class ChatConfiguration : IEntityTypeConfiguration<ChatRoom>, IEntityTypeConfiguration<Participant>
{
    public void Configure(EntityTypeBuilder<ChatRoom> chat)
    {
        chat.ToTable("chats");
        chat.HasKey(c => c.Id);
        chat.Property(c => c.Type).HasConversion<string>().HasMaxLength(16);
        chat.Property(c => c.Title).HasMaxLength(ChatRules.TitleLength);
        chat.Property(c => c.DirectKey).HasMaxLength(80);
        chat.HasIndex(c => c.DirectKey).IsUnique();
        chat.HasIndex(c => c.CourseId);
    }

    public void Configure(EntityTypeBuilder<Participant> participant)
    {
        participant.ToTable("participants");
        participant.HasKey(p => new { p.ChatId, p.UserId });
        participant.Property(p => p.Role).HasConversion<string>().HasMaxLength(16);
        participant.HasIndex(p => p.UserId);
        participant.HasOne<ChatRoom>().WithMany().HasForeignKey(p => p.ChatId).OnDelete(DeleteBehavior.Cascade);
    }
}
