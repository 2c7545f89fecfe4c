using Campus.Chat.Attachments;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Realtime;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Chat.Messages;

/// <summary>What kind of refusal a <see cref="Refusal"/> is; each transport says it its own way (REST maps it to a status).</summary>
public enum RefusalKind
{
    /// <summary>The request itself is wrong (a field, or something it names that cannot be used).</summary>
    Invalid,
    /// <summary>No such chat for the caller, or no such message in it.</summary>
    NotFound,
    /// <summary>The caller may not do this to this message.</summary>
    Forbidden,
    /// <summary>The message's state does not allow it.</summary>
    Conflict,
}

/// <summary>Why a change was refused: its kind, a stable code and a sentence (problem details on REST, an error frame on the socket).</summary>
/// <param name="Kind">What kind of refusal it is.</param>
/// <param name="Code">The stable machine code (problem <c>code</c>, error frame <c>code</c>).</param>
/// <param name="Detail">A sentence for the developer.</param>
/// <param name="Field">The request field at fault (wire name): a REST answer is then a validation problem naming it.</param>
public sealed record Refusal(RefusalKind Kind, string Code, string Detail, string? Field = null);

/// <summary>What a change to messages came to; REST maps it to a status, the socket to an ack or an error frame.</summary>
public abstract record MessageResult
{
    /// <summary>The message is posted now.</summary>
    public sealed record Posted(MessageResponse Message) : MessageResult;
    /// <summary>The same <c>client_msg_id</c> from the same author was posted before: the stored message.</summary>
    public sealed record AlreadyPosted(MessageResponse Message) : MessageResult;
    /// <summary>The message as it is after the edit.</summary>
    public sealed record Edited(MessageResponse Message) : MessageResult;
    /// <summary>Deleted, or the read marker moved (or either had happened already).</summary>
    public sealed record Done : MessageResult;
    public sealed record Refused(Refusal Refusal) : MessageResult;
}

/// <summary>
/// Posting, editing, deleting and reading, shared by REST and the socket. Every change is committed to PostgreSQL first
/// and published to the other nodes after the commit.
/// </summary>
public sealed class ChatMessages(ChatDbContext db, ChatFanout fanout, TimeProvider time)
{
    /// <summary>
    /// Posts a message: the chat's counter row is advanced with <c>UPDATE … RETURNING</c> in the transaction that inserts the
    /// message and counts it in the author's <see cref="ActivityCount"/> of the day, so seqs are unique, gapless and committed in order (the row lock is held to the commit).
    /// The same <c>client_msg_id</c> from the same author returns the stored message instead (<see cref="MessageResult.AlreadyPosted"/>).
    /// </summary>
    public async Task<MessageResult> PostAsync(Guid chatId, Guid me, PostMessageRequest request, CancellationToken ct)
    {
        if (Validate(request.Body, request.ClientMsgId, required: true) is { } invalid)
        {
            return new MessageResult.Refused(invalid);
        }
        var attachmentIds = request.AttachmentIds?.Distinct().ToList() ?? [];
        if (request.AttachmentIds?.Length > ChatRules.MaxAttachmentsPerMessage)
        {
            return new MessageResult.Refused(new Refusal(RefusalKind.Invalid, "too_many_attachments",
                $"At most {ChatRules.MaxAttachmentsPerMessage} attachments per message.", "attachment_ids"));
        }

        try
        {
            var (message, error) = attachmentIds.Count == 0
                ? await InsertAsync(chatId, me, request, ct)
                : await InsertWithAttachmentsAsync(chatId, me, request, attachmentIds, ct);
            if (error == InvalidAttachment && request.ClientMsgId is { } retried
                && await FindByClientIdAsync(chatId, me, retried, ct) is { } stored)
            {
                return new MessageResult.AlreadyPosted(stored); // a retry: its attachments are attached to the stored message
            }
            if (error is not null)
            {
                return new MessageResult.Refused(error);
            }
            await fanout.PublishAsync(chatId, ChatFrame.Created(message!));
            return new MessageResult.Posted(message!);
        }
        catch (Exception ex) when (ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
            || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A retry (or a concurrent duplicate) of a client_msg_id: the statement (or transaction), and its seq, rolled
            // back. Checking first would cost every post a round trip for the rare retry.
            db.ChangeTracker.Clear();
            if (request.ClientMsgId is null || await FindByClientIdAsync(chatId, me, request.ClientMsgId, ct) is not { } raced)
            {
                throw;
            }
            return new MessageResult.AlreadyPosted(raced);
        }
    }

    /// <summary>
    /// A post without attachments: one statement, so one round trip and its own implicit transaction. The chat's counter
    /// row is locked from its <c>UPDATE</c> to the end of that statement only — not across round trips to this process,
    /// where a busy node would keep every other post to the chat waiting. The statement checks membership, advances the
    /// counter, moves the author's read marker (one's own message is never unread), inserts the message with the seq it
    /// got and counts it for the author's day; nothing is written when the caller is not a participant, and a duplicate
    /// <c>client_msg_id</c> fails the whole statement (the seq is not used up).
    /// </summary>
    private async Task<(MessageResponse? Message, Refusal? Error)> InsertAsync(
        Guid chatId, Guid me, PostMessageRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var seqs = await db.Database.SqlQuery<long>($"""
            WITH c AS (
                UPDATE chats SET last_seq = last_seq + 1, last_activity_at = {now}
                WHERE id = {chatId} AND EXISTS (SELECT 1 FROM participants WHERE chat_id = {chatId} AND user_id = {me})
                RETURNING last_seq),
            p AS (
                UPDATE participants SET last_read_seq = c.last_seq FROM c WHERE chat_id = {chatId} AND user_id = {me}),
            m AS (
                INSERT INTO messages (chat_id, seq, author_id, body, client_msg_id, created_at)
                SELECT {chatId}, c.last_seq, {me}, {request.Body}, {request.ClientMsgId}, {now} FROM c),
            a AS (
                INSERT INTO activity_counts (user_id, day, messages, published) SELECT {me}, {day}, 1, 0 FROM c
                ON CONFLICT (user_id, day) DO UPDATE SET messages = activity_counts.messages + 1)
            SELECT last_seq AS "Value" FROM c
            """).ToListAsync(ct);
        if (seqs is not [var seq])
        {
            return (null, ChatAccess.NotFound);
        }
        var message = new Message
        {
            ChatId = chatId, Seq = seq, AuthorId = me, Body = request.Body, ClientMsgId = request.ClientMsgId, CreatedAt = now,
        };
        return (MessageResponse.From(message, []), null);
    }

    /// <summary>
    /// A post with attachments: a transaction that checks the attachments, advances the counter as
    /// <see cref="InsertAsync"/> does (counting the message for the author's day too), and saves the message and the
    /// attachments' seq (the counter row stays locked to the commit, a few round trips).
    /// </summary>
    private async Task<(MessageResponse? Message, Refusal? Error)> InsertWithAttachmentsAsync(
        Guid chatId, Guid me, PostMessageRequest request, List<Guid> attachmentIds, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var attachments = await db.Attachments
                .Where(a => a.ChatId == chatId && a.UploaderId == me && attachmentIds.Contains(a.Id)
                    && a.Status == AttachmentStatus.Ready && a.MessageSeq == null)
                .ToListAsync(ct);
            if (attachments.Count != attachmentIds.Count)
            {
                return ((MessageResponse?)null, InvalidAttachment);
            }
            var seqs = await db.Database.SqlQuery<long>($"""
                WITH c AS (
                    UPDATE chats SET last_seq = last_seq + 1, last_activity_at = {now}
                    WHERE id = {chatId} AND EXISTS (SELECT 1 FROM participants WHERE chat_id = {chatId} AND user_id = {me})
                    RETURNING last_seq),
                p AS (
                    UPDATE participants SET last_read_seq = c.last_seq FROM c WHERE chat_id = {chatId} AND user_id = {me})
                SELECT last_seq AS "Value" FROM c
                """).ToListAsync(ct);
            if (seqs is not [var seq])
            {
                return (null, ChatAccess.NotFound);
            }
            var message = new Message
            {
                ChatId = chatId, Seq = seq, AuthorId = me, Body = request.Body, ClientMsgId = request.ClientMsgId, CreatedAt = now,
            };
            db.Messages.Add(message);
            foreach (var attachment in attachments)
            {
                attachment.MessageSeq = seq;
            }
            await db.SaveChangesAsync(ct);
            // Last before the commit: the author's count row stays locked for as short a time as this path allows.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO activity_counts (user_id, day, messages, published) VALUES ({me}, {day}, 1, 0)
                ON CONFLICT (user_id, day) DO UPDATE SET messages = activity_counts.messages + 1
                """, ct);
            await tx.CommitAsync(ct);
            return (MessageResponse.From(message, attachments.Select(MessageResponse.Info).ToList()), (Refusal?)null);
        });
    }

    /// <summary>Replaces the body of the caller's own message.</summary>
    public async Task<MessageResult> EditAsync(Guid chatId, long seq, Guid me, string? body, CancellationToken ct)
    {
        if (Validate(body, null, required: false) is { } invalid)
        {
            return new MessageResult.Refused(invalid);
        }
        if (!await ChatAccess.IsParticipantAsync(db, chatId, me, ct))
        {
            return new MessageResult.Refused(ChatAccess.NotFound);
        }
        var message = await db.Messages.FirstOrDefaultAsync(m => m.ChatId == chatId && m.Seq == seq, ct);
        if (message is null)
        {
            return new MessageResult.Refused(MessageNotFound);
        }
        if (message.AuthorId != me)
        {
            return new MessageResult.Refused(new Refusal(RefusalKind.Forbidden, "not_author", "Only the author edits a message."));
        }
        if (message.DeletedAt is not null)
        {
            return new MessageResult.Refused(new Refusal(RefusalKind.Conflict, "message_deleted", "A deleted message cannot be edited."));
        }
        if (message.Body != body)
        {
            message.Body = body;
            message.EditedAt = time.GetUtcNow();
            await db.SaveChangesAsync(ct);
        }
        var response = (await MessageQueries.WithAttachmentsAsync(db, chatId, [message], ct))[0];
        await fanout.PublishAsync(chatId, ChatFrame.Edited(response));
        return new MessageResult.Edited(response);
    }

    /// <summary>Deletes a message: its author, a moderator of the chat, or an admin. Deleting again is a no-op.</summary>
    public async Task<MessageResult> DeleteAsync(Guid chatId, long seq, Guid me, bool isAdmin, CancellationToken ct)
    {
        var role = await ChatAccess.RoleAsync(db, chatId, me, ct);
        if (role is null && !(isAdmin && await db.Chats.AnyAsync(c => c.Id == chatId, ct)))
        {
            return new MessageResult.Refused(ChatAccess.NotFound);
        }
        var message = await db.Messages.FirstOrDefaultAsync(m => m.ChatId == chatId && m.Seq == seq, ct);
        if (message is null)
        {
            return new MessageResult.Refused(MessageNotFound);
        }
        if (message.AuthorId != me && role != ParticipantRole.Moderator && !isAdmin)
        {
            return new MessageResult.Refused(
                new Refusal(RefusalKind.Forbidden, "not_allowed", "Only the author, a moderator of the chat or an admin deletes a message."));
        }
        if (message.DeletedAt is not null)
        {
            return new MessageResult.Done();
        }
        message.Body = null;
        message.DeletedAt = time.GetUtcNow();
        // REVIEW: the attachment objects stay in the bucket (unreachable: a deleted message lists none); a sweeper can
        // remove attachments of deleted messages later.
        await db.SaveChangesAsync(ct);
        await fanout.PublishAsync(chatId, ChatFrame.Deleted(chatId, seq));
        return new MessageResult.Done();
    }

    /// <summary>Moves the caller's read marker forward to <paramref name="seq"/> (capped at the newest message; never back).</summary>
    public async Task<MessageResult> MarkReadAsync(Guid chatId, Guid me, long seq, CancellationToken ct)
    {
        if (seq < 0)
        {
            return new MessageResult.Refused(new Refusal(RefusalKind.Invalid, "invalid_seq", "seq is 0 or more.", "seq"));
        }
        var lastSeq = await db.Participants.Where(p => p.ChatId == chatId && p.UserId == me)
            .Join(db.Chats, p => p.ChatId, c => c.Id, (p, c) => (long?)c.LastSeq)
            .FirstOrDefaultAsync(ct);
        if (lastSeq is null)
        {
            return new MessageResult.Refused(ChatAccess.NotFound);
        }
        var target = Math.Min(seq, lastSeq.Value);
        var moved = await db.Participants.Where(p => p.ChatId == chatId && p.UserId == me && p.LastReadSeq < target)
            .ExecuteUpdateAsync(p => p.SetProperty(x => x.LastReadSeq, target), ct);
        if (moved > 0)
        {
            await fanout.PublishAsync(chatId, ChatFrame.Read(chatId, me, target));
        }
        return new MessageResult.Done();
    }

    private static readonly Refusal InvalidAttachment = new(RefusalKind.Invalid, "invalid_attachment",
        "An attachment is unknown, not yours, not confirmed, or already attached to a message.", "attachment_ids");

    internal static readonly Refusal MessageNotFound = new(RefusalKind.NotFound, "message_not_found", "No message with this seq in the chat.");

    /// <summary>
    /// A post needs its <c>client_msg_id</c>: it is what makes a retried send (after a timeout or a lost socket) idempotent,
    /// and what a socket ack names. An edit has none.
    /// </summary>
    private static Refusal? Validate(string? body, string? clientMsgId, bool required)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return new Refusal(RefusalKind.Invalid, "body_required", "The message body is 1 to 4000 characters, not only whitespace.", "body");
        }
        if (body.Length > ChatRules.MaxBodyLength)
        {
            return new Refusal(RefusalKind.Invalid, "body_too_long", $"The message body has {body.Length} characters; at most {ChatRules.MaxBodyLength}.", "body");
        }
        if (required && clientMsgId is null)
        {
            return new Refusal(RefusalKind.Invalid, "client_msg_id_required",
                $"client_msg_id (1 to {ChatRules.ClientMsgIdLength} printable characters, unique per message) makes a retried post idempotent.",
                "client_msg_id");
        }
        if (clientMsgId is not null && (clientMsgId.Length is 0 or > ChatRules.ClientMsgIdLength || clientMsgId.Any(char.IsControl)))
        {
            return new Refusal(RefusalKind.Invalid, "invalid_client_msg_id", $"client_msg_id is 1 to {ChatRules.ClientMsgIdLength} printable characters.", "client_msg_id");
        }
        return null;
    }

    private async Task<MessageResponse?> FindByClientIdAsync(Guid chatId, Guid me, string clientMsgId, CancellationToken ct)
    {
        var message = await db.Messages.AsNoTracking()
            .FirstOrDefaultAsync(m => m.ChatId == chatId && m.AuthorId == me && m.ClientMsgId == clientMsgId, ct);
        return message is null ? null : (await MessageQueries.WithAttachmentsAsync(db, chatId, [message], ct))[0];
    }
}
