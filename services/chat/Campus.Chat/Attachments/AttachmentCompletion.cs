using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Attachments;

/// <summary>What completing an attachment upload came to; the API maps it to a status and a problem code.</summary>
public abstract record CompleteAttachmentResult
{
    /// <summary>Ready now, or completed before (a repeated call changes nothing).</summary>
    public sealed record Completed(AttachmentInfo Attachment) : CompleteAttachmentResult;
    /// <summary>No such pending upload of the caller in this chat (or a concurrent complete refused it).</summary>
    public sealed record NotFound : CompleteAttachmentResult;
    /// <summary>
    /// Nothing usable was uploaded (<see cref="UploadProblems.Missing"/>: the attachment stays pending), or the file is not
    /// acceptable (the attachment was deleted).
    /// </summary>
    public sealed record Refused(UploadProblem Problem) : CompleteAttachmentResult;
}

/// <summary>
/// Completing an attachment upload: under the attachment's row lock the uploaded object is checked (size, allowed type,
/// magic number) and promoted to the checked copy, which the attachment then names, so a concurrent complete waits and
/// then finds it ready. A refused upload's attachment is deleted.
/// </summary>
public sealed class AttachmentCompletion(ChatDbContext db, IObjectStorage storage, IOptions<ChatOptions> options)
{
    /// <param name="chatId">The chat.</param>
    /// <param name="attachmentId">The attachment.</param>
    /// <param name="me">The caller (only the uploader completes; to anyone else the pending upload does not exist).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CompleteAttachmentResult> CompleteAsync(Guid chatId, Guid attachmentId, Guid me, CancellationToken ct)
    {
        if (!await db.Attachments.AnyAsync(a => a.Id == attachmentId && a.ChatId == chatId && a.UploaderId == me, ct)
            || !await ChatAccess.IsParticipantAsync(db, chatId, me, ct))
        {
            return new CompleteAttachmentResult.NotFound();
        }
        // One confirm at a time per attachment: a concurrent one waits, then finds it ready.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM attachments WHERE id = {attachmentId} FOR UPDATE", ct);
        var (result, promotedUpload) = await CompleteLockedAsync(attachmentId, ct);
        await transaction.CommitAsync(ct);
        if (promotedUpload is not null)
        {
            // Only now that the row names the checked copy: had the commit failed, a retry would promote the upload again.
            await storage.DeleteUploadAsync(StorageBuckets.ChatAttachments, promotedUpload, ct);
        }
        return result;
    }

    // The result, and the upload key the committed row no longer names (to delete after the commit), if any.
    private async Task<(CompleteAttachmentResult, string?)> CompleteLockedAsync(Guid attachmentId, CancellationToken ct)
    {
        var attachment = await db.Attachments.FirstOrDefaultAsync(a => a.Id == attachmentId, ct);
        if (attachment is null)
        {
            return (new CompleteAttachmentResult.NotFound(), null); // refused by a concurrent confirm
        }
        if (attachment.Status == AttachmentStatus.Ready)
        {
            return (new CompleteAttachmentResult.Completed(MessageResponse.Info(attachment)), null);
        }
        if (!ObjectKeys.IsUpload(attachment.Key))
        {
            // Created before uploads had keys of their own area: nothing under such a key is ever promoted (a client
            // could still write it). The client uploads the file again as a new attachment.
            return (new CompleteAttachmentResult.Refused(
                new UploadProblem(UploadProblems.Missing, "This upload was created before an upgrade; upload the file again.")), null);
        }
        // The declared type and size were signed into the upload URL, but the bytes decide, and only their checked copy is
        // ever delivered: the URL stays valid, and what it writes later lands on a key nobody reads.
        var uploadKey = attachment.Key;
        var verification = await storage.PromoteUploadAsync(StorageBuckets.ChatAttachments, uploadKey, AttachmentsApi.Rules(options.Value),
            attachment.ContentType, attachment.Size, ct);
        if (!verification.IsAccepted)
        {
            if (verification.Problem.Code != UploadProblems.Missing)
            {
                db.Attachments.Remove(attachment);
                await db.SaveChangesAsync(ct);
            }
            return (new CompleteAttachmentResult.Refused(verification.Problem), null);
        }
        attachment.Key = verification.Object.Key;
        attachment.Size = verification.Object.Size;
        attachment.Status = AttachmentStatus.Ready;
        await db.SaveChangesAsync(ct);
        return (new CompleteAttachmentResult.Completed(MessageResponse.Info(attachment)), uploadKey);
    }
}
