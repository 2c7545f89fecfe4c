using Campus.Content.Data;
using Campus.Content.Uploads;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Documents;

/// <summary>What completing a document upload came to; the API maps it to a status and a problem code.</summary>
public abstract record CompleteDocumentResult
{
    /// <summary>Ready now, or ready before (a repeated call changes nothing).</summary>
    public sealed record Completed(DocumentResponse Document) : CompleteDocumentResult;
    /// <summary>No such document of the caller (or it was deleted meanwhile).</summary>
    public sealed record NotFound : CompleteDocumentResult;
    /// <summary>The upload has failed (<paramref name="Error"/> says why).</summary>
    public sealed record Failed(string? Error) : CompleteDocumentResult;
    /// <summary>
    /// Nothing usable was uploaded (<see cref="UploadProblems.Missing"/>: the document stays uploading), or the file is not
    /// an acceptable document (type or size other than declared; the document has failed).
    /// </summary>
    public sealed record Refused(UploadProblem Problem) : CompleteDocumentResult;
}

/// <summary>
/// Completing a document upload: the file is checked (declared type and size, signature) and promoted to the checked
/// copy under the document's row lock, so a concurrent complete waits and then finds it ready.
/// </summary>
public sealed class DocumentUploadCompletion(ContentDbContext db, IObjectStorage storage, IOptions<ContentOptions> options, TimeProvider time)
{
    /// <param name="id">The document.</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (completes any document; others only their own).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CompleteDocumentResult> CompleteAsync(Guid id, Guid me, bool isAdmin, CancellationToken ct)
    {
        if (!await db.Documents.AnyAsync(d => d.Id == id && (isAdmin || d.OwnerId == me), ct))
        {
            return new CompleteDocumentResult.NotFound();
        }
        // One complete at a time per document: a concurrent one waits, then finds it ready.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM documents WHERE id = {id} FOR UPDATE", ct);
        var (result, promotedUpload) = await CompleteLockedAsync(id, ct);
        await transaction.CommitAsync(ct);
        if (promotedUpload is not null)
        {
            // Only now that the row names the checked copy: had the commit failed, a retry would promote the upload again.
            await storage.DeleteUploadAsync(StorageBuckets.Documents, promotedUpload, ct);
        }
        return result;
    }

    // The answer, and the upload key the committed row no longer names (to delete after the commit), if any.
    private async Task<(CompleteDocumentResult, string?)> CompleteLockedAsync(Guid id, CancellationToken ct)
    {
        // Deleted between the ownership check and the row lock: gone, not an error.
        var document = await db.Documents.FirstOrDefaultAsync(d => d.Id == id, ct);
        if (document is null)
        {
            return (new CompleteDocumentResult.NotFound(), null);
        }
        switch (document.Status)
        {
            case DocumentStatus.Ready:
                return (new CompleteDocumentResult.Completed(DocumentResponse.From(document)), null);
            case DocumentStatus.Failed:
                return (new CompleteDocumentResult.Failed(document.Error), null);
        }
        if (!ObjectKeys.IsUpload(document.Key))
        {
            // Registered before uploads had keys of their own area: nothing under such a key is ever promoted (a client
            // could still write it). The client registers the document again; the sweeper fails the row when it expires.
            return (new CompleteDocumentResult.Refused(
                new UploadProblem(UploadProblems.Missing, "This upload was registered before an upgrade; register the document again.")), null);
        }
        // A file other than declared (type or size) is refused; an accepted one is used only from its checked copy.
        var uploadKey = document.Key;
        var verification = await storage.PromoteUploadAsync(StorageBuckets.Documents, uploadKey, DocumentsApi.Rules(options.Value),
            document.ContentType, document.SizeBytes, ct);
        var now = time.GetUtcNow();
        if (!verification.IsAccepted)
        {
            var problem = verification.Problem;
            if (problem.Code != UploadProblems.Missing)
            {
                await UploadFailures.FailDocumentAsync(db, id, problem.Detail, now, ct);
            }
            return (new CompleteDocumentResult.Refused(problem), null);
        }
        document.Status = DocumentStatus.Ready;
        document.Key = verification.Object.Key;
        document.SizeBytes = verification.Object.Size;
        document.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return (new CompleteDocumentResult.Completed(DocumentResponse.From(document)), uploadKey);
    }
}
