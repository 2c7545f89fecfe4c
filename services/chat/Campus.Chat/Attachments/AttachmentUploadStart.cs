using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Attachments;

/// <summary>What starting an attachment upload came to; the API maps it to a status and a problem code.</summary>
public abstract record StartAttachmentUploadResult
{
    /// <summary>The attachment is registered; the client uploads its bytes to <paramref name="Upload"/>.</summary>
    public sealed record Started(AttachmentUploadResponse Upload) : StartAttachmentUploadResult;
    /// <summary>The declared file is refused before any URL is issued (name, size or type).</summary>
    public sealed record Refused(UploadProblem Problem) : StartAttachmentUploadResult;
    /// <summary>No such chat, or the caller is not a participant.</summary>
    public sealed record ChatNotFound : StartAttachmentUploadResult;
}

/// <summary>
/// Starting an attachment upload: the declared file name, size and type are checked, the attachment is registered as
/// pending under a key of the upload area, and a presigned PUT for that key is answered.
/// </summary>
public sealed class AttachmentUploadStart(ChatDbContext db, IObjectStorage storage, IOptions<ChatOptions> options, TimeProvider time)
{
    /// <param name="chatId">The chat.</param>
    /// <param name="me">The caller.</param>
    /// <param name="request">The request as sent.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<StartAttachmentUploadResult> StartAsync(Guid chatId, Guid me, AttachmentUploadRequest request, CancellationToken ct)
    {
        var rules = AttachmentsApi.Rules(options.Value);
        if (rules.Precheck(request.FileName, request.ContentType, request.SizeBytes) is { } problem)
        {
            return new StartAttachmentUploadResult.Refused(problem);
        }
        if (!await ChatAccess.IsParticipantAsync(db, chatId, me, ct))
        {
            return new StartAttachmentUploadResult.ChatNotFound();
        }
        var type = rules.Find(request.ContentType)!;
        var attachment = new Attachment
        {
            Id = Guid.CreateVersion7(), ChatId = chatId, UploaderId = me, Key = ObjectKeys.NewUpload(type.Extension), FileName = request.FileName!.Trim(),
            ContentType = type.ContentType, Size = request.SizeBytes, Status = AttachmentStatus.Pending, CreatedAt = time.GetUtcNow(),
        };
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(ct);
        var presigned = await storage.PresignUploadAsync(StorageBuckets.ChatAttachments, attachment.Key, type.ContentType);
        return new StartAttachmentUploadResult.Started(
            new AttachmentUploadResponse(attachment.Id, presigned.Url, presigned.Headers, presigned.ExpiresAt));
    }
}
