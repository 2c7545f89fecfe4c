using Campus.Chat.Data;
using Campus.Chat.Messages;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Chats;

/// <summary>Membership checks: a chat exists for its participants only (404 to anyone else, so ids reveal nothing).</summary>
public static class ChatAccess
{
    public static readonly Refusal NotFound = new(RefusalKind.NotFound, "chat_not_found", "No such chat, or you are not a participant.");

    public static Task<bool> IsParticipantAsync(ChatDbContext db, Guid chatId, Guid userId, CancellationToken ct) =>
        db.Participants.AnyAsync(p => p.ChatId == chatId && p.UserId == userId, ct);

    public static async Task<ParticipantRole?> RoleAsync(ChatDbContext db, Guid chatId, Guid userId, CancellationToken ct) =>
        await db.Participants.Where(p => p.ChatId == chatId && p.UserId == userId)
            .Select(p => (ParticipantRole?)p.Role).FirstOrDefaultAsync(ct);
}
