using Campus.Content.Data;
using Campus.Content.Uploads;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Media;

/// <summary>What completing a video upload came to; the API maps it to a status and a problem code.</summary>
public abstract record CompleteMediaResult
{
    /// <summary>Queued now, or completed before (a repeated call changes nothing).</summary>
    public sealed record Completed(MediaStatusResponse Media) : CompleteMediaResult;
    /// <summary>No such video of the caller (or it was deleted meanwhile).</summary>
    public sealed record NotFound : CompleteMediaResult;
    /// <summary>The video has failed (<paramref name="Error"/> says why).</summary>
    public sealed record Failed(string? Error) : CompleteMediaResult;
    /// <summary>A multipart upload needs every part's number and ETag.</summary>
    public sealed record PartsRequired : CompleteMediaResult;
    /// <summary>S3 did not accept the parts.</summary>
    public sealed record UploadIncomplete : CompleteMediaResult;
    /// <summary>
    /// Nothing usable was uploaded (<see cref="UploadProblems.Missing"/>: the video stays uploading), or the file is not an
    /// acceptable video (the video has failed).
    /// </summary>
    public sealed record Refused(UploadProblem Problem) : CompleteMediaResult;
}

/// <summary>
/// Completing a video upload: the multipart upload is completed, the file is checked (size, container signature) and
/// promoted to the checked copy, and its transcode job and message are written in one transaction under the video's
/// row lock, so a concurrent complete waits and then finds it queued.
/// </summary>
public sealed class MediaUploadCompletion(
    ContentDbContext db,
    IObjectStorage storage,
    IMultipartUploads multipart,
    IOptions<ContentOptions> options,
    TimeProvider time,
    ILogger<MediaUploadCompletion> logger)
{
    /// <param name="id">The video.</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (completes any video; others only their own).</param>
    /// <param name="request">The parts of a multipart upload, if any.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CompleteMediaResult> CompleteAsync(Guid id, Guid me, bool isAdmin, CompleteUploadRequest? request, CancellationToken ct)
    {
        if (!await db.MediaFiles.AnyAsync(m => m.Id == id && (isAdmin || m.OwnerId == me), ct))
        {
            return new CompleteMediaResult.NotFound();
        }
        // One complete at a time per video: a concurrent one waits, then finds it queued.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM media_files WHERE id = {id} FOR UPDATE", ct);
        var (result, promotedUpload) = await CompleteLockedAsync(id, request, ct);
        await transaction.CommitAsync(ct);
        if (promotedUpload is not null)
        {
            // Only now that the row names the checked copy: had the commit failed, a retry would promote the upload again.
            await storage.DeleteUploadAsync(StorageBuckets.MediaUploads, promotedUpload, ct);
        }
        return result;
    }

    // The result, and the upload key the committed row no longer names (to delete after the commit), if any.
    private async Task<(CompleteMediaResult, string?)> CompleteLockedAsync(Guid id, CompleteUploadRequest? request, CancellationToken ct)
    {
        // Deleted between the ownership check and the row lock: gone, not an error.
        var media = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (media is null)
        {
            return (new CompleteMediaResult.NotFound(), null);
        }
        switch (media.Status)
        {
            case MediaStatus.Failed:
                return (new CompleteMediaResult.Failed(media.Error), null);
            case not MediaStatus.Uploading:
                return (new CompleteMediaResult.Completed(MediaStatusResponse.From(media)), null); // completed before: a repeated call changes nothing
        }
        if (!ObjectKeys.IsUpload(media.SourceKey))
        {
            // Registered before uploads had keys of their own area: nothing under such a key is ever promoted (a client
            // could still write it). The client registers the video again; the sweeper fails the row when it expires.
            return (new CompleteMediaResult.Refused(
                new UploadProblem(UploadProblems.Missing, "This upload was registered before an upgrade; register the video again.")), null);
        }

        if (media.MultipartUploadId is { } uploadId)
        {
            if (request?.Parts is not { Length: > 0 } parts || parts.Any(p => p.PartNumber < 1 || string.IsNullOrWhiteSpace(p.Etag)))
            {
                return (new CompleteMediaResult.PartsRequired(), null);
            }
            if (!await multipart.CompleteAsync(StorageBuckets.MediaUploads, media.SourceKey, uploadId,
                    [.. parts.OrderBy(p => p.PartNumber).Select(p => new UploadedPart(p.PartNumber, p.Etag!))], ct)
                && await storage.HeadAsync(StorageBuckets.MediaUploads, media.SourceKey, ct) is null)
            {
                return (new CompleteMediaResult.UploadIncomplete(), null);
            }
        }

        // From here on only the checked copy is used: the upload URLs stay valid, but nothing reads their key again.
        var verification = await storage.PromoteUploadAsync(StorageBuckets.MediaUploads, media.SourceKey, MediaApi.Rules(options.Value),
            media.ContentType, media.SizeBytes, ct);
        if (!verification.IsAccepted)
        {
            var problem = verification.Problem;
            if (problem.Code != UploadProblems.Missing)
            {
                await UploadFailures.FailMediaAsync(db, media.Id, problem.Detail, time.GetUtcNow(), ct);
                logger.LogInformation("Refused the upload of video {MediaId}: {Code}", media.Id, problem.Code);
            }
            return (new CompleteMediaResult.Refused(problem), null);
        }

        var queued = await MediaApi.QueueAsync(db, media.Id, MediaStatus.Uploading, time.GetUtcNow(), verification.Object, ct);
        var current = await db.MediaFiles.AsNoTracking().FirstAsync(m => m.Id == id, ct);
        return queued
            ? (new CompleteMediaResult.Completed(MediaStatusResponse.From(current)), media.SourceKey)
            : current.Status != MediaStatus.Failed
                ? (new CompleteMediaResult.Completed(MediaStatusResponse.From(current)), null)
                : (new CompleteMediaResult.Failed(current.Error), null);
    }
}
