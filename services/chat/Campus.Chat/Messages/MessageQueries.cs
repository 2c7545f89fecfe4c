using Campus.Chat.Attachments;
using Campus.Chat.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Messages;

/// <summary>Reads messages with their attachments: history pages, socket catch-up and gap filling.</summary>
public static class MessageQueries
{
    /// <summary>Messages with seq above <paramref name="afterSeq"/> (up to <paramref name="toSeq"/>), ascending.</summary>
    public static async Task<List<MessageResponse>> AfterAsync(
        ChatDbContext db, Guid chatId, long afterSeq, int limit, long toSeq = long.MaxValue, CancellationToken ct = default)
    {
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.ChatId == chatId && m.Seq > afterSeq && m.Seq <= toSeq)
            .OrderBy(m => m.Seq).Take(limit).ToListAsync(ct);
        return await WithAttachmentsAsync(db, chatId, messages, ct);
    }

    /// <summary>Messages with seq below <paramref name="beforeSeq"/>, newest first.</summary>
    public static async Task<List<MessageResponse>> BeforeAsync(
        ChatDbContext db, Guid chatId, long beforeSeq, int limit, CancellationToken ct = default)
    {
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.ChatId == chatId && m.Seq < beforeSeq)
            .OrderByDescending(m => m.Seq).Take(limit).ToListAsync(ct);
        return await WithAttachmentsAsync(db, chatId, messages, ct);
    }

    public static async Task<MessageResponse?> FindAsync(ChatDbContext db, Guid chatId, long seq, CancellationToken ct = default)
    {
        var message = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.ChatId == chatId && m.Seq == seq, ct);
        return message is null ? null : (await WithAttachmentsAsync(db, chatId, [message], ct))[0];
    }

    public static async Task<List<MessageResponse>> WithAttachmentsAsync(
        ChatDbContext db, Guid chatId, List<Message> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return [];
        }
        var seqs = messages.Select(m => (long?)m.Seq).ToList();
        var attachments = await db.Attachments.AsNoTracking()
            .Where(a => a.ChatId == chatId && a.Status == AttachmentStatus.Ready && seqs.Contains(a.MessageSeq))
            .OrderBy(a => a.CreatedAt)
            .ToListAsync(ct);
        var bySeq = attachments.ToLookup(a => a.MessageSeq!.Value);
        return messages.Select(m => MessageResponse.From(m, bySeq[m.Seq].Select(MessageResponse.Info).ToList())).ToList();
    }
}
