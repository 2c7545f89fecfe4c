using System.Security.Claims;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Campus.Chat.Messages;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Attachments;

public sealed record AttachmentUploadRequest(
    [property: Bounds(MaxLength = ChatRules.FileNameLength)] string? FileName,
    [property: Bounds(MaxLength = UploadRules.ContentTypeLength)] string? ContentType,
    [property: Bounds(1, UploadRules.MaxUploadBytes)] long SizeBytes);

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
            .ProducesProblem(StatusCodes.Status409Conflict)
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
            .ProducesProblem(StatusCodes.Status409Conflict)
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

    public static async Task<Results<Ok<AttachmentUploadResponse>, ProblemHttpResult>> CreateAsync(
        Guid id, AttachmentUploadRequest request, ClaimsPrincipal principal, AttachmentUploadStart start, CancellationToken ct)
    {
        var result = await start.StartAsync(id, principal.UserId(), request, ct);
        return result switch
        {
            // 200, not 201: the upload is not a resource a GET answers until it is completed.
            StartAttachmentUploadResult.Started started => TypedResults.Ok(started.Upload),
            StartAttachmentUploadResult.Refused refused => UploadAnswers.Declined(refused.Problem),
            StartAttachmentUploadResult.ChatNotFound => MessagesApi.Problem(ChatAccess.NotFound),
            _ => throw new InvalidOperationException($"Unexpected attachment upload result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<AttachmentInfo>, ProblemHttpResult>> ConfirmAsync(
        Guid id, [FromRoute(Name = "attachment_id")] Guid attachmentId, ClaimsPrincipal principal, AttachmentCompletion completion,
        CancellationToken ct)
    {
        var result = await completion.CompleteAsync(id, attachmentId, principal.UserId(), ct);
        return result switch
        {
            CompleteAttachmentResult.Completed completed => TypedResults.Ok(completed.Attachment),
            CompleteAttachmentResult.NotFound => AttachmentNotFound(),
            CompleteAttachmentResult.Refused refused => UploadAnswers.Refused(refused.Problem, "The uploaded file was refused and deleted."),
            _ => throw new InvalidOperationException($"Unexpected attachment completion result {result.GetType().Name}."),
        };
    }

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

    internal static UploadRules Rules(ChatOptions options) => new(options.MaxAttachmentBytes, AllowedTypes, ChatRules.FileNameLength);

    private static ProblemHttpResult AttachmentNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "attachment_not_found", "Not found.", "No such attachment in this chat.");
}
