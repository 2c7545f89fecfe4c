using Campus.Content.Data;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Content.Media;

/// <summary>What registering a video upload came to; the API maps it to a status and a problem code.</summary>
public abstract record MediaUploadStartResult
{
    /// <summary>The video is registered; <paramref name="Upload"/> says where to upload it.</summary>
    public sealed record Started(MediaUploadResponse Upload) : MediaUploadStartResult;
    /// <summary>The declared file is refused before any URL is issued.</summary>
    public sealed record Refused(UploadProblem Problem) : MediaUploadStartResult;
}

/// <summary>
/// Starting a video upload: the declared file is checked (name, type, size), the video is registered as uploading
/// under a fresh upload key, and the client gets one presigned PUT or, above the multipart threshold, a multipart
/// upload with one presigned URL per part.
/// </summary>
public sealed class MediaUploadStart(
    ContentDbContext db,
    IObjectStorage storage,
    IMultipartUploads multipart,
    IOptions<ContentOptions> options,
    TimeProvider time)
{
    /// <param name="request">What the client is about to upload.</param>
    /// <param name="me">The caller, who owns the video.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<MediaUploadStartResult> StartAsync(UploadRequest request, Guid me, CancellationToken ct)
    {
        var settings = options.Value;
        var rules = MediaApi.Rules(settings);
        if (rules.Precheck(request.FileName, request.ContentType, request.SizeBytes) is { } problem)
        {
            return new MediaUploadStartResult.Refused(problem);
        }
        var type = rules.Find(request.ContentType)!;
        var key = ObjectKeys.NewUpload(type.Extension);
        var now = time.GetUtcNow();
        var media = new MediaFile
        {
            Id = Guid.CreateVersion7(), OwnerId = me, Filename = request.FileName!.Trim(), ContentType = type.ContentType,
            SizeBytes = request.SizeBytes, SourceKey = key, Status = MediaStatus.Uploading, CreatedAt = now, UpdatedAt = now,
            UploadExpiresAt = now + settings.UploadCompletionWindow,
        };

        MediaUploadResponse response;
        if (request.SizeBytes > settings.MultipartThreshold)
        {
            media.MultipartUploadId = await multipart.StartAsync(StorageBuckets.MediaUploads, key, type.ContentType, ct);
            var count = (int)((request.SizeBytes + settings.MultipartPartSize - 1) / settings.MultipartPartSize);
            var parts = new List<UploadPartUrl>(count);
            var expiresAt = DateTimeOffset.MaxValue;
            for (var number = 1; number <= count; number++)
            {
                var part = await multipart.PresignPartAsync(StorageBuckets.MediaUploads, key, media.MultipartUploadId, number, settings.VideoUploadUrlExpiry);
                parts.Add(new UploadPartUrl(number, part.Url));
                expiresAt = part.ExpiresAt < expiresAt ? part.ExpiresAt : expiresAt;
            }
            response = new MediaUploadResponse(media.Id, null, expiresAt, new Dictionary<string, string>(),
                new MultipartUploadResponse(settings.MultipartPartSize, parts));
        }
        else
        {
            var presigned = await storage.PresignUploadAsync(StorageBuckets.MediaUploads, key, type.ContentType, settings.VideoUploadUrlExpiry);
            response = new MediaUploadResponse(media.Id, presigned.Url, presigned.ExpiresAt, presigned.Headers, null);
        }
        db.MediaFiles.Add(media);
        await db.SaveChangesAsync(ct);
        return new MediaUploadStartResult.Started(response);
    }
}
