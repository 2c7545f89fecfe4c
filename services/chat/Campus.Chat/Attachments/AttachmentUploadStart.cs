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
    /// <summary>A request field is wrong (<paramref name="Field"/> is its wire name).</summary>
    public sealed record Invalid(string Field, string Code, string Detail) : StartAttachmentUploadResult;
    /// <summary>The declared size is above the limit.</summary>
    public sealed record TooLarge(string Code, string Detail) : StartAttachmentUploadResult;
    /// <summary>The declared type is not allowed in a chat.</summary>
    public sealed record TypeNotAllowed(string Code, string Detail) : StartAttachmentUploadResult;
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
        var fileName = request.FileName?.Trim();
        if (string.IsNullOrEmpty(fileName) || fileName.Length > ChatRules.FileNameLength || fileName.Any(char.IsControl)
            || fileName.Contains('/') || fileName.Contains('\\'))
        {
            return new StartAttachmentUploadResult.Invalid("file_name",
                "invalid_file_name", $"file_name is 1 to {ChatRules.FileNameLength} characters without path separators.");
        }
        if (request.SizeBytes <= 0)
        {
            return new StartAttachmentUploadResult.Invalid("size_bytes", "invalid_size", "size_bytes is the file size in bytes, above 0.");
        }
        var rules = AttachmentsApi.Rules(options.Value);
        if (rules.Precheck(request.ContentType, request.SizeBytes) is { } problem)
        {
            return problem.Code == UploadProblems.TooLarge
                ? new StartAttachmentUploadResult.TooLarge(problem.Code, problem.Detail)
                : new StartAttachmentUploadResult.TypeNotAllowed(problem.Code, problem.Detail);
        }
        if (!await ChatAccess.IsParticipantAsync(db, chatId, me, ct))
        {
            return new StartAttachmentUploadResult.ChatNotFound();
        }
        var type = rules.Find(request.ContentType)!;
        var attachment = new Attachment
        {
            Id = Guid.CreateVersion7(), ChatId = chatId, UploaderId = me, Key = ObjectKeys.NewUpload(type.Extension), FileName = fileName,
            ContentType = type.ContentType, Size = request.SizeBytes, Status = AttachmentStatus.Pending, CreatedAt = time.GetUtcNow(),
        };
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(ct);
        var presigned = await storage.PresignUploadAsync(StorageBuckets.ChatAttachments, attachment.Key, type.ContentType);
        return new StartAttachmentUploadResult.Started(
            new AttachmentUploadResponse(attachment.Id, presigned.Url, presigned.Headers, presigned.ExpiresAt));
    }
}
