using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Content.Uploads;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Campus.Content.Media;

/// <summary>
/// Videos: presigned upload straight to S3 (one PUT, or multipart above a threshold), complete (checked, then a
/// transcode job and its message in one transaction), status, streaming through signed HLS playlists, and retry.
/// </summary>
public static class MediaApi
{
    /// <summary>The bitrate query values: a rendition height, or auto (the master playlist, the player picks).</summary>
    public static readonly int[] Heights = [480, 720, 1080];

    /// <summary>What <c>bitrate</c> of the stream endpoint takes: a rendition's height, or <c>auto</c> for the master playlist.</summary>
    public static IReadOnlyList<string> Bitrates { get; } = [.. Heights.Select(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture)), "auto"];

    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder routes)
    {
        var media = routes.MapGroup("/api/content/media").WithTags("Media").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        var manage = media.MapGroup("").RequireAuthorization(Policies.ManageContent)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        manage.MapGet("/", ListAsync)
            .WithName("ListMedia")
            .WithSummary("The caller's own videos, newest first; limit 1..100.")
            .ProducesValidationProblem();

        manage.MapPost("/upload-url", UploadUrlAsync)
            .WithName("CreateMediaUploadUrl")
            .WithSummary("Registers a video (mp4, mov, webm, mkv) and answers where to upload it: one presigned PUT, or presigned part URLs for a large file.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        manage.MapPost("/{id:guid}/complete", CompleteAsync)
            .WithName("CompleteMediaUpload")
            .WithSummary("Checks the uploaded video (size, container signature) and queues its transcode; repeating it changes nothing.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        media.MapGet("/{id:guid}/status", StatusAsync)
            .WithName("GetMediaStatus")
            .WithSummary("The video's status, transcode progress, failure reason, renditions and duration.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        media.MapGet("/{id:guid}/stream", StreamAsync)
            .WithName("StreamMedia")
            .WithSummary("302 to an HLS playlist any player can fetch without credentials: bitrate=480|720|1080 for one rendition, auto (default) for the master; redirect=false answers the URL as JSON.")
            .Produces(StatusCodes.Status302Found)
            .ProducesHeader(StatusCodes.Status302Found, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesHeader(StatusCodes.Status200OK, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        manage.MapPost("/{id:guid}/retry", RetryAsync)
            .WithName("RetryMediaTranscode")
            .WithSummary("Queues a new transcode of a failed video (its author or an admin); any other status is 409.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    public static async Task<Results<Ok<MediaPage>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var me = principal.UserId();
        var mine = db.MediaFiles.AsNoTracking().Where(m => m.OwnerId == me);
        var items = await mine.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new MediaPage([.. items.Select(MediaStatusResponse.From)], await mine.CountAsync(ct), limit, offset));
    }

    public static UploadRules Rules(ContentOptions options) => new(options.MaxVideoBytes, FileSignatures.Videos, MediaFile.FilenameLength);

    public static async Task<Results<Ok<MediaUploadResponse>, ProblemHttpResult>> UploadUrlAsync(
        UploadRequest request, ClaimsPrincipal principal, MediaUploadStart start, CancellationToken ct)
    {
        var result = await start.StartAsync(request, principal.UserId(), ct);
        return result switch
        {
            MediaUploadStartResult.Started started => TypedResults.Ok(started.Upload),
            MediaUploadStartResult.Refused refused => UploadAnswers.Declined(refused.Problem),
            _ => throw new InvalidOperationException($"Unexpected upload start result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<MediaStatusResponse>, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        Guid id, CompleteUploadRequest? request, ClaimsPrincipal principal, MediaUploadCompletion completion, CancellationToken ct)
    {
        // The bounds of the parts hold whether or not the upload is multipart (a single PUT ignores them).
        if (request?.Parts is { } parts && (parts.Length > UploadedPart.MaxParts
                || parts.Any(p => p.PartNumber is < 1 or > UploadedPart.MaxParts || p.Etag?.Length > UploadedPart.MaxETagLength)))
        {
            return PartsRequired();
        }
        var result = await completion.CompleteAsync(id, principal.UserId(), principal.IsAdmin(), request, ct);
        return result switch
        {
            CompleteMediaResult.Completed completed => TypedResults.Ok(completed.Media),
            CompleteMediaResult.NotFound => NotFound(),
            CompleteMediaResult.Failed failed => Problems.Create(StatusCodes.Status409Conflict, "media_failed", "This video has failed.", failed.Error),
            CompleteMediaResult.PartsRequired => PartsRequired(),
            CompleteMediaResult.UploadIncomplete => Problems.Create(StatusCodes.Status409Conflict, "upload_incomplete",
                "S3 did not accept the parts: upload every part, then send each part's ETag."),
            CompleteMediaResult.Refused refused => UploadAnswers.Refused(refused.Problem, "The uploaded file is not an acceptable video."),
            _ => throw new InvalidOperationException($"Unexpected upload completion result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<MediaStatusResponse>, ProblemHttpResult>> StatusAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, CancellationToken ct)
    {
        var media = await Readable(db, principal).AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return media is null ? NotFound() : TypedResults.Ok(MediaStatusResponse.From(media));
    }

    public static async Task<Results<RedirectHttpResult, Ok<DownloadLink>, ProblemHttpResult>> StreamAsync(
        Guid id, ClaimsPrincipal principal, MediaStreaming streaming, HttpContext http, CancellationToken ct,
        [OneOf(typeof(MediaApi), nameof(Bitrates))] string? bitrate = null, bool redirect = true)
    {
        int? height = null;
        if (bitrate is not (null or "auto"))
        {
            if (!int.TryParse(bitrate, out var value) || !Heights.Contains(value))
            {
                return Problems.InvalidField("bitrate", $"bitrate is one of {string.Join(", ", Heights)} or auto.", "invalid_bitrate");
            }
            height = value;
        }
        var result = await streaming.PlaylistAsync(id, principal, height, ct);
        switch (result)
        {
            case MediaStreamResult.Ready ready:
                // The URL is a bearer credential with its own expiry: no cache may keep the redirect.
                http.Response.Headers.CacheControl = "no-store";
                return redirect ? TypedResults.Redirect(ready.Link.Url.AbsoluteUri) : TypedResults.Ok(ready.Link);
            case MediaStreamResult.NotFound:
                return NotFound();
            case MediaStreamResult.NotReady notReady:
                return Problems.Create(StatusCodes.Status409Conflict, "media_not_ready", "The video is not ready to stream.",
                    $"Its status is {EnumText.Name(notReady.Status)}.");
            case MediaStreamResult.RenditionNotFound missing:
                return Problems.Create(StatusCodes.Status404NotFound, "rendition_not_found", "The video has no such rendition.",
                    $"Its renditions are {string.Join(", ", missing.Renditions)} (none above the source's height).");
            case MediaStreamResult.PlaylistsMissing:
                return Problems.Create(StatusCodes.Status409Conflict, "media_not_ready", "The video's playlists are missing.");
            default:
                throw new InvalidOperationException($"Unexpected stream result {result.GetType().Name}.");
        }
    }

    public static async Task<Results<Ok<MediaStatusResponse>, ProblemHttpResult>> RetryAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, IObjectStorage storage, TimeProvider time, CancellationToken ct)
    {
        var media = await Owned(db, principal).AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (media is null)
        {
            return NotFound();
        }
        if (media.Status != MediaStatus.Failed)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "media_not_failed", "Only a failed video can be retried.",
                $"Its status is {EnumText.Name(media.Status)}.");
        }
        // A video refused or expired before its check still names its upload key, which the client can write: never queue that.
        if (ObjectKeys.IsUpload(media.SourceKey) || await storage.HeadAsync(StorageBuckets.MediaUploads, media.SourceKey, ct) is null)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "source_missing", "The uploaded file is gone; upload the video again.", media.Error);
        }
        try
        {
            if (!await QueueAsync(db, id, MediaStatus.Failed, time.GetUtcNow(), null, ct))
            {
                return Problems.Create(StatusCodes.Status409Conflict, "media_not_failed", "The video was retried at the same time.");
            }
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Create(StatusCodes.Status409Conflict, "job_in_progress", "A transcode of this video is still queued or running.");
        }
        // What the retry wrote, not a read after the commit: the worker may already have taken the job by then.
        return TypedResults.Ok(MediaStatusResponse.From(media) with { Status = MediaStatus.Queued, Progress = 0, Error = null });
    }

    /// <summary>
    /// Moves the video from <paramref name="from"/> to queued and writes its transcode job and <see cref="TranscodeRequested"/>
    /// in one transaction (the row is the source of truth, the relay publishes the message). On complete,
    /// <paramref name="source"/> is the checked copy, which becomes the video's source (a retry keeps the source it has).
    /// False when the video was no longer in <paramref name="from"/> (a concurrent complete or retry won).
    /// </summary>
    internal static async Task<bool> QueueAsync(ContentDbContext db, Guid mediaId, MediaStatus from, DateTimeOffset now, StoredObject? source,
        CancellationToken ct)
    {
        var sourceKey = source?.Key;
        var sourceSize = source?.Size;
        // Complete calls this inside its own transaction (holding the row lock); retry has none.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var changed = await db.MediaFiles.Where(m => m.Id == mediaId && m.Status == from)
            .ExecuteUpdateAsync(set => set
                .SetProperty(m => m.Status, MediaStatus.Queued)
                .SetProperty(m => m.SourceKey, m => sourceKey ?? m.SourceKey)
                .SetProperty(m => m.SizeBytes, m => sourceSize ?? m.SizeBytes)
                .SetProperty(m => m.Progress, 0)
                .SetProperty(m => m.Error, (string?)null)
                .SetProperty(m => m.MultipartUploadId, (string?)null)
                .SetProperty(m => m.UpdatedAt, now), ct);
        if (changed == 0)
        {
            return false;
        }
        var job = new TranscodeJob { Id = Guid.CreateVersion7(), MediaId = mediaId, Status = TranscodeStatus.Queued, CreatedAt = now };
        db.TranscodeJobs.Add(job);
        db.AddOutboxMessage(new TranscodeRequested(job.Id, mediaId));
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return true;
    }

    /// <summary>Videos the caller uploaded (admins: any).</summary>
    private static IQueryable<MediaFile> Owned(ContentDbContext db, ClaimsPrincipal principal)
    {
        if (principal.IsAdmin())
        {
            return db.MediaFiles;
        }
        var me = principal.UserId();
        return db.MediaFiles.Where(m => m.OwnerId == me);
    }

    /// <summary>Videos the caller may watch: their own (admins: any), and those in published materials of published courses.</summary>
    internal static IQueryable<MediaFile> Readable(ContentDbContext db, ClaimsPrincipal principal)
    {
        if (principal.IsAdmin())
        {
            return db.MediaFiles;
        }
        var me = principal.UserId();
        var visible = ContentAccess.VisibleToStudents(db);
        return db.MediaFiles.Where(m => m.OwnerId == me || visible.Any(material => material.MediaId == m.Id));
    }

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "media_not_found", "No such video, or it is not visible to you.");

    private static ValidationProblem PartsRequired() => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["parts"] = [$"A multipart upload is completed with every part's part_number (1..{UploadedPart.MaxParts}) and etag " +
            $"(at most {UploadedPart.MaxETagLength} characters), at most {UploadedPart.MaxParts} parts."],
    });
}
