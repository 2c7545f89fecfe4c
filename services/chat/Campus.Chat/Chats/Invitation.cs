using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Chat.Chats;

/// <summary>
/// A user asked into a group or course chat by someone else. Nobody is put in a chat without consent: the invited
/// user is not a participant (reads nothing, gets nothing) until they accept.
/// </summary>
public sealed class Invitation
{
    public Guid ChatId { get; set; }

    public Guid UserId { get; set; }

    public Guid InvitedBy { get; set; }

    public DateTimeOffset InvitedAt { get; set; }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.ToTable("invitations");
        invitation.HasKey(i => new { i.ChatId, i.UserId });
        invitation.HasIndex(i => i.UserId);
        invitation.HasOne<ChatRoom>().WithMany().HasForeignKey(i => i.ChatId).OnDelete(DeleteBehavior.Cascade);
    }
}
