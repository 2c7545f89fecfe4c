using Campus.Chat.Data;
using Campus.Chat.Realtime;
using Campus.Chat.Registry;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Chats;

/// <summary>What inviting or removing participants came to; the API maps it to a status and a problem code.</summary>
public abstract record MembershipResult
{
    /// <summary>The users are invited (those already in the chat or invited are left as they are).</summary>
    public sealed record Invited(ChatDetails Chat) : MembershipResult;
    /// <summary>The user is removed, their invitation withdrawn, or the caller left.</summary>
    public sealed record Removed : MembershipResult;
    /// <summary>A request field is wrong (<paramref name="Field"/> is its wire name).</summary>
    public sealed record Invalid(string Field, string Code, string Detail) : MembershipResult;
    /// <summary>No such chat, or the caller is not a participant (nor an admin); also the caller leaving a chat they are not in.</summary>
    public sealed record ChatNotFound : MembershipResult;
    /// <summary>The caller is a member, not a moderator of the chat (nor an admin).</summary>
    public sealed record NotModerator : MembershipResult;
    /// <summary>A direct chat has exactly its two users.</summary>
    public sealed record DirectChatFixed : MembershipResult;
    /// <summary>Users named in the request that chat has never heard of.</summary>
    public sealed record UnknownUsers(IReadOnlyList<Guid> UserIds) : MembershipResult;
    /// <summary>The user to remove is neither in the chat nor invited.</summary>
    public sealed record ParticipantNotFound : MembershipResult;
}

/// <summary>
/// Managing who is in a chat: its moderators and admins invite users (they join when they accept) and remove
/// participants or withdraw invitations; anyone leaves a chat themselves. A removed user's open sockets are closed.
/// </summary>
public sealed class ChatMembership(ChatDbContext db, ChatFanout fanout, TimeProvider time)
{
    /// <param name="chatId">The chat.</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (manages any chat).</param>
    /// <param name="userIds">The users to invite, as sent.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<MembershipResult> InviteAsync(Guid chatId, Guid me, bool isAdmin, IReadOnlyList<Guid>? userIds, CancellationToken ct)
    {
        var invited = (userIds ?? []).Where(u => u != Guid.Empty).Distinct().ToList();
        if (invited.Count == 0 || userIds!.Count > ChatRules.MaxParticipantsPerRequest)
        {
            return new MembershipResult.Invalid("user_ids", "invalid_user_ids", $"user_ids holds 1 to {ChatRules.MaxParticipantsPerRequest} user ids.");
        }
        var (chat, refused) = await ManagedChatAsync(chatId, me, isAdmin, ct);
        if (refused is not null)
        {
            return refused;
        }
        if (chat!.Type == ChatType.Direct)
        {
            return new MembershipResult.DirectChatFixed();
        }
        if (await KnownUsers.UnknownAsync(db, invited, ct) is { Count: > 0 } unknown)
        {
            return new MembershipResult.UnknownUsers(unknown);
        }
        var now = time.GetUtcNow();
        foreach (var userId in invited)
        {
            // Someone already in the chat is not invited again; a repeated invitation keeps the first.
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO invitations (chat_id, user_id, invited_by, invited_at)
                SELECT {chatId}, {userId}, {me}, {now}
                WHERE NOT EXISTS (SELECT 1 FROM participants WHERE chat_id = {chatId} AND user_id = {userId})
                ON CONFLICT (chat_id, user_id) DO NOTHING
                """, ct);
        }
        return new MembershipResult.Invited((await ChatsApi.DetailsAsync(db, chatId, me, ct))!);
    }

    /// <param name="chatId">The chat.</param>
    /// <param name="userId">The user to remove (the caller themselves to leave).</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (manages any chat).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<MembershipResult> RemoveAsync(Guid chatId, Guid userId, Guid me, bool isAdmin, CancellationToken ct)
    {
        if (userId != me && (await ManagedChatAsync(chatId, me, isAdmin, ct)).Refused is { } refused)
        {
            return refused;
        }
        var uninvited = await db.Invitations.Where(i => i.ChatId == chatId && i.UserId == userId).ExecuteDeleteAsync(ct);
        var removed = await db.Participants.Where(p => p.ChatId == chatId && p.UserId == userId).ExecuteDeleteAsync(ct);
        if (removed == 0 && uninvited > 0)
        {
            return new MembershipResult.Removed();
        }
        if (removed == 0)
        {
            return userId == me ? new MembershipResult.ChatNotFound() : new MembershipResult.ParticipantNotFound();
        }
        await fanout.PublishAsync(chatId, ChatFrame.Removed(chatId, userId));
        return new MembershipResult.Removed();
    }

    /// <summary>The chat if the caller moderates it or is an admin; otherwise why not (not found for non-participants).</summary>
    private async Task<(ChatRoom? Chat, MembershipResult? Refused)> ManagedChatAsync(Guid chatId, Guid me, bool isAdmin, CancellationToken ct)
    {
        var role = await ChatAccess.RoleAsync(db, chatId, me, ct);
        var chat = role is null && !isAdmin ? null : await db.Chats.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chatId, ct);
        if (chat is null)
        {
            return (null, new MembershipResult.ChatNotFound());
        }
        if (role != ParticipantRole.Moderator && !isAdmin)
        {
            return (null, new MembershipResult.NotModerator());
        }
        return (chat, null);
    }
}
