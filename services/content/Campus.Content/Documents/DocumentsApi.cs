using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Content.Media;
using Campus.Content.Uploads;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Documents;

public sealed record DocumentUploadResponse(Guid Id, Uri UploadUrl, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The name of <see cref="Id"/> before every upload answered <c>id</c>; written for one more release.</summary>
    [Obsolete("Read id.")]
    public Guid DocumentId => Id;
}

public sealed record DocumentResponse(
    Guid Id, string FileName, string ContentType, long SizeBytes, DocumentStatus Status, string? Error, DateTimeOffset CreatedAt)
{
    public static DocumentResponse From(Document d) => new(d.Id, d.Filename, d.ContentType, d.SizeBytes, d.Status, d.Error, d.CreatedAt);
}

public sealed record DocumentPage(IReadOnlyList<DocumentResponse> Items, int Total, int Limit, int Offset);

/// <summary>
/// Documents (PDF, Word, PowerPoint, Excel) and cover images: the same presigned flow as videos (upload-url, PUT to S3,
/// complete), downloads through a redirect to a presigned GET that names the file.
/// </summary>
public static class DocumentsApi
{
    /// <summary>Documents for materials, plus images for course covers.</summary>
    public static readonly IReadOnlyList<FileType> Types =
    [
        FileSignatures.Pdf, FileSignatures.Docx, FileSignatures.Pptx, FileSignatures.Xlsx,
        FileSignatures.Jpeg, FileSignatures.Png, FileSignatures.WebP,
    ];

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder routes)
    {
        var documents = routes.MapGroup("/api/content/documents").WithTags("Documents").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        var manage = documents.MapGroup("").RequireAuthorization(Policies.ManageContent)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        manage.MapGet("/", ListAsync)
            .WithName("ListDocuments")
            .WithSummary("The caller's own documents and cover images, newest first; limit 1..100.")
            .ProducesValidationProblem();

        manage.MapPost("/upload-url", UploadUrlAsync)
            .WithName("CreateDocumentUploadUrl")
            .WithSummary("Registers a document (pdf, docx, pptx, xlsx) or cover image (jpeg, png, webp) and answers a presigned PUT; send exactly the returned headers.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        manage.MapPost("/{id:guid}/complete", CompleteAsync)
            .WithName("CompleteDocumentUpload")
            .WithSummary("Checks the uploaded file (size, type, signature) and makes the document ready; a refused file is deleted.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        documents.MapGet("/{id:guid}", GetAsync)
            .WithName("GetDocument")
            .WithSummary("A document's name, type, size and status.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        documents.MapGet("/{id:guid}/download", DownloadAsync)
            .WithName("DownloadDocument")
            .WithSummary("302 to a short-lived presigned GET that downloads the file under its name; redirect=false answers the URL as JSON.")
            .Produces(StatusCodes.Status302Found)
            .ProducesHeader(StatusCodes.Status302Found, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesHeader(StatusCodes.Status200OK, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Results<Ok<DocumentPage>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var me = principal.UserId();
        var mine = db.Documents.AsNoTracking().Where(d => d.OwnerId == me);
        var items = await mine.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new DocumentPage([.. items.Select(DocumentResponse.From)], await mine.CountAsync(ct), limit, offset));
    }

    public static UploadRules Rules(ContentOptions options) => new(options.MaxDocumentBytes, Types, MediaFile.FilenameLength);

    public static async Task<Results<Ok<DocumentUploadResponse>, ProblemHttpResult>> UploadUrlAsync(
        UploadRequest request, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, IOptions<ContentOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var rules = Rules(options.Value);
        if (rules.Precheck(request.FileName, request.ContentType, request.SizeBytes) is { } problem)
        {
            return UploadAnswers.Declined(problem);
        }
        var type = rules.Find(request.ContentType)!;
        var me = principal.UserId();
        var now = time.GetUtcNow();
        var document = new Document
        {
            Id = Guid.CreateVersion7(), OwnerId = me, Filename = request.FileName!.Trim(), ContentType = type.ContentType,
            SizeBytes = request.SizeBytes, Key = ObjectKeys.NewUpload(type.Extension), Status = DocumentStatus.Uploading,
            CreatedAt = now, UpdatedAt = now, UploadExpiresAt = now + options.Value.UploadCompletionWindow,
        };
        var presigned = await storage.PresignUploadAsync(StorageBuckets.Documents, document.Key, type.ContentType);
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new DocumentUploadResponse(document.Id, presigned.Url, presigned.ExpiresAt, presigned.Headers));
    }

    public static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> CompleteAsync(
        Guid id, ClaimsPrincipal principal, DocumentUploadCompletion completion, CancellationToken ct)
    {
        var result = await completion.CompleteAsync(id, principal.UserId(), principal.IsAdmin(), ct);
        return result switch
        {
            CompleteDocumentResult.Completed completed => TypedResults.Ok(completed.Document),
            CompleteDocumentResult.NotFound => NotFound(),
            CompleteDocumentResult.Failed failed => Problems.Create(StatusCodes.Status409Conflict, "document_failed",
                "This upload has failed; upload the file again.", failed.Error),
            CompleteDocumentResult.Refused refused => UploadAnswers.Refused(refused.Problem, "The uploaded file is not an acceptable document."),
            _ => throw new InvalidOperationException($"Unexpected upload completion result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        var document = await Readable(db, principal).AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
        return document is null ? NotFound() : TypedResults.Ok(DocumentResponse.From(document));
    }

    public static async Task<Results<RedirectHttpResult, Ok<DownloadLink>, ProblemHttpResult>> DownloadAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, HttpContext http, CancellationToken ct,
        bool redirect = true)
    {
        var document = await Readable(db, principal).AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
        if (document is null)
        {
            return NotFound();
        }
        if (document.Status != DocumentStatus.Ready)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "document_not_ready", "The document is not ready.",
                $"Its status is {EnumText.Name(document.Status)}.");
        }
        var presigned = await storage.PresignDownloadAsync(StorageBuckets.Documents, document.Key, document.Filename);
        http.Response.Headers.CacheControl = "no-store";
        return redirect
            ? TypedResults.Redirect(presigned.Url.AbsoluteUri)
            : TypedResults.Ok(new DownloadLink(presigned.Url, presigned.ExpiresAt));
    }

    /// <summary>The caller's documents (admins: any), documents of published materials, and covers of published courses.</summary>
    private static IQueryable<Document> Readable(ContentDbContext db, ClaimsPrincipal principal)
    {
        if (principal.IsAdmin())
        {
            return db.Documents;
        }
        var me = principal.UserId();
        var visible = ContentAccess.VisibleToStudents(db);
        return db.Documents.Where(d => d.OwnerId == me
            || visible.Any(m => m.DocumentId == d.Id)
            || db.Courses.Any(c => c.CoverDocumentId == d.Id && c.Status == CourseStatus.Published));
    }

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "document_not_found", "No such document, or it is not visible to you.");
}
