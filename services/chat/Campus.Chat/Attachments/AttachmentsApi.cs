using System.Security.Claims;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Chat.Attachments;

public sealed record AttachmentUploadRequest(string? FileName, string? ContentType, long SizeBytes);

public sealed record AttachmentUploadResponse(Guid Id, Uri UploadUrl, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);

public sealed record AttachmentDownload(Guid Id, string FileName, string ContentType, long SizeBytes, long? MessageSeq, Uri Url, DateTimeOffset ExpiresAt);

/// <summary>
/// Files go from the client straight to S3 (presigned PUT, like avatars); the service checks the object (size, allowed
/// type, magic number) on confirm and only then may it be attached to a message. Participants read it via a presigned GET.
/// </summary>
public static class AttachmentsApi
{
    /// <summary>Images, PDF, Office documents, text and CSV: what people share in a course chat. No executables, no archives.</summary>
    public static readonly IReadOnlyList<FileType> AllowedTypes = [.. FileSignatures.Images, .. FileSignatures.Documents];

    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder routes)
    {
        var attachments = routes.MapGroup("/api/chat/chats/{id:guid}/attachments").WithTags("Attachments").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // The upload protocol of every Campus service: POST …/upload-url, PUT the bytes, POST …/{id}/complete.
        attachments.MapPost("/upload-url", CreateAsync)
            .WithName("CreateAttachmentUploadUrl")
            .WithSummary("A presigned PUT for one file (send exactly the returned headers), then complete it.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        attachments.MapPost("/{attachment_id:guid}/complete", ConfirmAsync)
            .WithName("CompleteAttachmentUpload")
            .WithSummary("Checks the uploaded object (size, type, magic number); a refused object is deleted. Then attach it with attachment_ids.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        // The routes before the common protocol, kept for existing clients (deprecated in the contract).
        attachments.MapPost("/", CreateAsync)
            .WithName("CreateAttachmentUpload")
            .WithSummary("Deprecated: POST …/attachments/upload-url.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .AddOpenApiOperationTransformer(Deprecated);

        attachments.MapPost("/{attachment_id:guid}/confirm", ConfirmAsync)
            .WithName("ConfirmAttachment")
            .WithSummary("Deprecated: POST …/attachments/{attachment_id}/complete.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .AddOpenApiOperationTransformer(Deprecated);

        attachments.MapGet("/{attachment_id:guid}", GetAsync)
            .WithName("GetAttachment")
            .WithSummary("A confirmed attachment with a short-lived presigned GET url (download with its file name).");

        return routes;
    }

    private static Task Deprecated(Microsoft.OpenApi.OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context,
        CancellationToken ct)
    {
        operation.Deprecated = true;
        return Task.CompletedTask;
    }

    public static async Task<Results<Created<AttachmentUploadResponse>, ProblemHttpResult>> CreateAsync(
        Guid id, AttachmentUploadRequest request, ClaimsPrincipal principal, ChatDbContext db, IObjectStorage storage,
        IOptions<ChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        var fileName = request.FileName?.Trim();
        if (string.IsNullOrEmpty(fileName) || fileName.Length > ChatRules.FileNameLength || fileName.Any(char.IsControl)
            || fileName.Contains('/') || fileName.Contains('\\'))
        {
            return Problems.InvalidField("file_name", $"file_name is 1 to {ChatRules.FileNameLength} characters without path separators.",
                "invalid_file_name");
        }
        if (request.SizeBytes <= 0)
        {
            return Problems.InvalidField("size_bytes", "size_bytes is the file size in bytes, above 0.", "invalid_size");
        }
        var rules = Rules(options.Value);
        if (rules.Precheck(request.ContentType, request.SizeBytes) is { } problem)
        {
            return problem.Code == UploadProblems.TooLarge
                ? Problems.Create(StatusCodes.Status413PayloadTooLarge, problem.Code, "The file is too large.", problem.Detail)
                : Problems.Create(StatusCodes.Status415UnsupportedMediaType, problem.Code, "This type of file is not allowed.", problem.Detail);
        }
        if (!await ChatAccess.IsParticipantAsync(db, id, me, ct))
        {
            return MessagesApi.Problem(ChatAccess.NotFound);
        }
        var type = rules.Find(request.ContentType)!;
        var attachment = new Attachment
        {
            Id = Guid.CreateVersion7(), ChatId = id, UploaderId = me, Key = ObjectKeys.NewUpload(type.Extension), FileName = fileName,
            ContentType = type.ContentType, Size = request.SizeBytes, Status = AttachmentStatus.Pending, CreatedAt = time.GetUtcNow(),
        };
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(ct);
        var presigned = await storage.PresignUploadAsync(StorageBuckets.ChatAttachments, attachment.Key, type.ContentType);
        return TypedResults.Created($"/api/chat/chats/{id}/attachments/{attachment.Id}",
            new AttachmentUploadResponse(attachment.Id, presigned.Url, presigned.Headers, presigned.ExpiresAt));
    }

    public static async Task<Results<Ok<AttachmentInfo>, ProblemHttpResult>> ConfirmAsync(
        Guid id, [FromRoute(Name = "attachment_id")] Guid attachmentId, ClaimsPrincipal principal, ChatDbContext db, IObjectStorage storage,
        IOptions<ChatOptions> options, CancellationToken ct)
    {
        var me = principal.UserId();
        // Only the uploader confirms; to anyone else the pending upload does not exist.
        if (!await db.Attachments.AnyAsync(a => a.Id == attachmentId && a.ChatId == id && a.UploaderId == me, ct)
            || !await ChatAccess.IsParticipantAsync(db, id, me, ct))
        {
            return AttachmentNotFound();
        }
        // One confirm at a time per attachment: a concurrent one waits, then finds it ready.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM attachments WHERE id = {attachmentId} FOR UPDATE", ct);
        var attachment = await db.Attachments.FirstOrDefaultAsync(a => a.Id == attachmentId, ct);
        if (attachment is null)
        {
            return AttachmentNotFound(); // refused by a concurrent confirm
        }
        if (attachment.Status == AttachmentStatus.Ready)
        {
            return TypedResults.Ok(MessageResponse.Info(attachment));
        }
        if (!ObjectKeys.IsUpload(attachment.Key))
        {
            // Created before uploads had keys of their own area: nothing under such a key is ever promoted (a client
            // could still write it). The client uploads the file again as a new attachment.
            return UploadMissing("This upload was created before an upgrade; upload the file again.");
        }
        // The declared type and size were signed into the upload URL, but the bytes decide, and only their checked copy is
        // ever delivered: the URL stays valid, and what it writes later lands on a key nobody reads.
        var uploadKey = attachment.Key;
        var verification = await storage.PromoteUploadAsync(StorageBuckets.ChatAttachments, uploadKey, Rules(options.Value),
            attachment.ContentType, attachment.Size, ct);
        if (!verification.IsAccepted)
        {
            if (verification.Problem.Code == UploadProblems.Missing)
            {
                return UploadMissing();
            }
            db.Attachments.Remove(attachment);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, verification.Problem.Code,
                "The uploaded file was refused and deleted.", verification.Problem.Detail);
        }
        attachment.Key = verification.Object.Key;
        attachment.Size = verification.Object.Size;
        attachment.Status = AttachmentStatus.Ready;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        // Only now that the row names the checked copy: had the commit failed, a retry would promote the upload again.
        await storage.DeleteUploadAsync(StorageBuckets.ChatAttachments, uploadKey, ct);
        return TypedResults.Ok(MessageResponse.Info(attachment));
    }

    private static ProblemHttpResult UploadMissing(string? detail = null) =>
        Problems.Create(StatusCodes.Status404NotFound, UploadProblems.Missing, "Nothing was uploaded for this attachment yet.", detail);

    public static async Task<Results<Ok<AttachmentDownload>, ProblemHttpResult>> GetAsync(
        Guid id, [FromRoute(Name = "attachment_id")] Guid attachmentId, ClaimsPrincipal principal, ChatDbContext db, IObjectStorage storage, CancellationToken ct)
    {
        var me = principal.UserId();
        if (!await ChatAccess.IsParticipantAsync(db, id, me, ct))
        {
            return MessagesApi.Problem(ChatAccess.NotFound);
        }
        // Readable once confirmed and either attached to a message that is not deleted, or still the uploader's own.
        var attachment = await db.Attachments.AsNoTracking()
            .Where(a => a.Id == attachmentId && a.ChatId == id && a.Status == AttachmentStatus.Ready)
            .Where(a => a.MessageSeq == null
                ? a.UploaderId == me
                : db.Messages.Any(m => m.ChatId == id && m.Seq == a.MessageSeq && m.DeletedAt == null))
            .FirstOrDefaultAsync(ct);
        if (attachment is null)
        {
            return AttachmentNotFound();
        }
        var presigned = await storage.PresignDownloadAsync(StorageBuckets.ChatAttachments, attachment.Key, attachment.FileName);
        return TypedResults.Ok(new AttachmentDownload(attachment.Id, attachment.FileName, attachment.ContentType, attachment.Size,
            attachment.MessageSeq, presigned.Url, presigned.ExpiresAt));
    }

    private static UploadRules Rules(ChatOptions options) => new(options.MaxAttachmentBytes, AllowedTypes);

    private static ProblemHttpResult AttachmentNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "attachment_not_found", "Not found.", "No such attachment in this chat.");
}
