using Campus.Content.Data;
using Campus.Content.Worker.Transcoding;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker;

/// <summary>
/// Runs one transcode job: source from <c>media-uploads</c> → ffprobe/ffmpeg in a temporary directory → HLS and poster
/// into <c>media-hls</c> → the media <c>ready</c> and <c>content.media.ready</c> in one transaction.
/// </summary>
/// <remarks>
/// The job row is the source of truth and makes redelivery harmless: a job already done or failed, or a media already
/// ready, is acked without work. A redelivered job still marked processing (its worker was killed) is simply run
/// again under a fresh random HLS prefix (the row names the prefix of the run that finished). Input ffprobe/ffmpeg cannot read
/// fails the media at once (retrying cannot help); anything else (S3, database, ffmpeg killed) is thrown for the
/// messaging retries, and the last attempt fails the media instead of leaving it processing. A run that failed because a
/// dependency was unreachable (<see cref="DependencyOutage"/>: S3, PostgreSQL) does not count toward
/// <c>Transcode:MaxAttempts</c>: an outage is waited out for the whole messaging retry budget, not three quick tries.
/// </remarks>
public sealed partial class TranscodeHandler(
    ContentDbContext db,
    IObjectStorage storage,
    Transcoder transcoder,
    IServiceScopeFactory scopes,
    IOptions<TranscodeOptions> options,
    TimeProvider time,
    IEnumerable<DependencyOutage> outages,
    HealthCheckService health,
    TranscodeMetrics metrics,
    ILogger<TranscodeHandler> logger) : IIntegrationEventHandler<TranscodeRequested>
{
    private readonly TranscodeOptions _options = options.Value;

    public async Task HandleAsync(TranscodeRequested message, MessageContext context, CancellationToken cancellationToken)
    {
        var job = await db.TranscodeJobs.FirstOrDefaultAsync(j => j.Id == message.JobId, cancellationToken);
        var media = job is null ? null : await db.MediaFiles.FirstOrDefaultAsync(m => m.Id == job.MediaId, cancellationToken);
        if (job is null || media is null)
        {
            LogUnknownJob(message.JobId, message.MediaId);
            return;
        }
        if (job.Status is TranscodeStatus.Done or TranscodeStatus.Failed || media.Status == MediaStatus.Ready)
        {
            LogAlreadyFinished(job.Id, job.Status);
            return;
        }
        if (job.Attempts >= _options.MaxAttempts)
        {
            // Every earlier run died without finishing (a crash loop: each redelivery starts it again).
            await FailAsync(job.Id, $"Transcoding did not finish in {job.Attempts} attempts.", cancellationToken);
            return;
        }

        var now = time.GetUtcNow();
        job.Status = TranscodeStatus.Processing;
        job.Attempts++;
        job.StartedAt = now;
        job.HeartbeatAt = now;
        job.Error = null;
        media.Status = MediaStatus.Processing;
        media.Progress = 0;
        media.Error = null;
        media.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        LogStarted(job.Id, media.Id, job.Attempts);

        var work = Path.Combine(_options.EffectiveWorkDir, job.Id.ToString("N"));
        var outcome = "retried";
        TimeSpan? duration = null;
        metrics.Started();
        try
        {
            // A run killed before its cleanup left this directory behind: start from nothing, never upload its leftovers.
            DeleteQuietly(work);
            Directory.CreateDirectory(work);
            TranscodeResult result;
            // Random, not derived from the media or its owner: HLS keys cannot be guessed from ids students see.
            var prefix = ObjectKeys.NewPrefix("hls");
            var started = time.GetTimestamp();
            TimeSpan download, transcode;
            await using (var heartbeat = new JobHeartbeat(scopes, job.Id, media.Id, _options.HeartbeatInterval, time, logger))
            {
                var (source, format) = await DownloadAsync(media, work, cancellationToken);
                download = time.GetElapsedTime(started);
                result = await transcoder.TranscodeAsync(source, format, Path.Combine(work, "hls"), heartbeat.Report, cancellationToken);
                transcode = time.GetElapsedTime(started) - download;
                await UploadAsync(Path.Combine(work, "hls"), prefix, cancellationToken);
            }
            await CompleteAsync(job.Id, prefix, result, cancellationToken);
            var total = time.GetElapsedTime(started);
            LogTimings(job.Id, total, download, transcode, total - download - transcode);
            (outcome, duration) = ("done", total);
        }
        catch (TranscodeException ex) when (ex.IsPermanent)
        {
            outcome = "failed";
            await FailAsync(job.Id, ex.Reason, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && (context.IsLastAttempt || (job.Attempts >= _options.MaxAttempts && DependencyOutages.Find(outages, ex) is null)))
        {
            LogGivingUp(ex, job.Id, job.Attempts);
            outcome = "failed";
            await FailAsync(job.Id, $"Transcoding failed after {job.Attempts} attempts: {Describe(ex)}", cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var outage = DependencyOutages.Find(outages, ex);
            await RequeueForRetryAsync(job.Id, $"Attempt {job.Attempts} failed and will be retried: {Describe(ex)}", refundAttempt: outage is not null);
            if (outage is not null)
            {
                // The broker's retry delays are short (seconds): hold the message until the dependency is back, so an
                // outage of minutes does not burn every delivery attempt and fail the video.
                await WaitUntilReadyAsync(cancellationToken);
            }
            throw;
        }
        finally
        {
            metrics.Ended(outcome, duration);
            DeleteQuietly(work);
        }
    }

    /// <summary>
    /// Downloads the checked source to <c>source</c> in the work directory and answers how ffmpeg must read it: the
    /// demuxer of its verified type, confirmed again from the downloaded bytes. Neither the client's file name nor
    /// ffmpeg's probing chooses how the bytes are read.
    /// </summary>
    private async Task<(string Path, SourceFormat Format)> DownloadAsync(MediaFile media, string work, CancellationToken cancellationToken)
    {
        // Only the checked copy: an upload key is still writable through its presigned URL.
        if (ObjectKeys.IsUpload(media.SourceKey))
        {
            throw new TranscodeException("The upload was never checked; upload the video again.", null, isPermanent: true);
        }
        var type = FileSignatures.Videos.FirstOrDefault(t => t.Accepts(media.ContentType));
        var format = type is null ? null : SourceFormat.Of(type);
        if (type is null || format is null)
        {
            throw new TranscodeException($"Videos of type {media.ContentType} are not transcoded.", null, isPermanent: true);
        }
        // Named by the worker, without extension, and ffmpeg's messages name only it.
        var path = Path.Combine(work, "source");
        await using (var source = await storage.OpenReadAsync(StorageBuckets.MediaUploads, media.SourceKey, cancellationToken)
            ?? throw new TranscodeException("The uploaded file is no longer in storage.", null, isPermanent: true))
        await using (var file = File.Create(path))
        {
            await source.CopyToAsync(file, cancellationToken);
        }
        var head = new byte[type.SampleLength];
        int read;
        await using (var file = File.OpenRead(path))
        {
            read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }
        if (!type.Matches(head.AsSpan(0, read)))
        {
            throw new TranscodeException($"The file's content is not {type.ContentType}.", null, isPermanent: true);
        }
        return (path, format);
    }

    /// <summary>Segments first, then variant playlists and the poster, the master last: whoever sees the master can play everything it names.</summary>
    private async Task UploadAsync(string directory, string prefix, CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(path => (Path: path, Key: $"{prefix}/{Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/')}"))
            .ToList();
        var master = $"{prefix}/{TranscodeResult.MasterPlaylist}";
        var stages = new[]
        {
            files.Where(f => f.Key.EndsWith(".ts", StringComparison.Ordinal)),
            files.Where(f => !f.Key.EndsWith(".ts", StringComparison.Ordinal) && f.Key != master),
            files.Where(f => f.Key == master),
        };
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.UploadConcurrency, CancellationToken = cancellationToken };
        foreach (var stage in stages)
        {
            await Parallel.ForEachAsync(stage, parallel, async (file, ct) =>
            {
                await using var content = File.OpenRead(file.Path);
                await storage.PutAsync(StorageBuckets.MediaHls, file.Key, content, ContentTypeOf(file.Path), ct);
            });
        }
    }

    private async Task CompleteAsync(Guid jobId, string prefix, TranscodeResult result, CancellationToken cancellationToken)
    {
        // Fresh rows: the heartbeat wrote progress behind this context's back.
        db.ChangeTracker.Clear();
        var job = await db.TranscodeJobs.FirstAsync(j => j.Id == jobId, cancellationToken);
        var media = await db.MediaFiles.FirstOrDefaultAsync(m => m.Id == job.MediaId, cancellationToken);
        if (media is null)
        {
            LogUnknownJob(jobId, job.MediaId);
            return;
        }
        var now = time.GetUtcNow();
        media.Status = MediaStatus.Ready;
        media.Progress = 100;
        media.Error = null;
        media.HlsPrefix = prefix;
        media.Renditions = [.. result.Renditions];
        media.DurationSeconds = result.DurationSeconds;
        media.PosterKey = result.Poster is null ? null : $"{prefix}/{result.Poster}";
        media.UpdatedAt = now;
        job.Status = TranscodeStatus.Done;
        job.Error = null;
        job.HeartbeatAt = now;
        job.FinishedAt = now;
        db.AddOutboxMessage(new MediaReady(media.Id, media.OwnerId, media.Filename, result.DurationSeconds ?? 0, [.. result.Renditions]));
        await db.SaveChangesAsync(cancellationToken);
        LogReady(media.Id, job.Id, string.Join(',', result.Renditions), now - (job.StartedAt ?? now));
    }

    /// <summary>The job and its media end <c>failed</c> with <paramref name="reason"/>, and <c>content.media.failed</c> is written with them.</summary>
    private async Task FailAsync(Guid jobId, string reason, CancellationToken cancellationToken)
    {
        reason = Truncate(reason.Trim(), MediaFile.ErrorLength);
        db.ChangeTracker.Clear();
        var job = await db.TranscodeJobs.FirstAsync(j => j.Id == jobId, cancellationToken);
        var media = await db.MediaFiles.FirstOrDefaultAsync(m => m.Id == job.MediaId, cancellationToken);
        var now = time.GetUtcNow();
        job.Status = TranscodeStatus.Failed;
        job.Error = reason;
        job.FinishedAt = now;
        if (media is not null)
        {
            media.Status = MediaStatus.Failed;
            media.Progress = 0;
            media.Error = reason;
            media.UpdatedAt = now;
            db.AddOutboxMessage(new MediaFailed(media.Id, media.OwnerId, media.Filename, reason));
        }
        await db.SaveChangesAsync(cancellationToken);
        LogFailed(job.MediaId, job.Id, reason);
    }

    /// <summary>
    /// Between a failed attempt and its retry the job is queued again, not processing: the watchdog must not take the
    /// retry delay for a dead worker. Best effort: when the database is what failed, the watchdog has the last word.
    /// </summary>
    /// <summary>Polls this worker's readiness checks (S3, PostgreSQL, RabbitMQ) until they pass, at most <c>Transcode:OutageWait</c>.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < _options.OutageWait && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
            var report = await health.CheckHealthAsync(check => check.Tags.Contains("ready"), cancellationToken);
            if (report.Status == HealthStatus.Healthy)
            {
                return;
            }
        }
    }

    private async Task RequeueForRetryAsync(Guid jobId, string reason, bool refundAttempt)
    {
        try
        {
            reason = Truncate(reason, MediaFile.ErrorLength);
            var now = time.GetUtcNow();
            var refund = refundAttempt ? 1 : 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await db.TranscodeJobs.Where(j => j.Id == jobId && j.Status == TranscodeStatus.Processing)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, TranscodeStatus.Queued).SetProperty(j => j.Error, reason)
                    .SetProperty(j => j.Attempts, j => j.Attempts - refund), timeout.Token);
            await db.MediaFiles.Where(m => db.TranscodeJobs.Any(j => j.Id == jobId && j.MediaId == m.Id) && m.Status == MediaStatus.Processing)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MediaStatus.Queued).SetProperty(m => m.Progress, 0).SetProperty(m => m.UpdatedAt, now), timeout.Token);
        }
        catch (Exception ex)
        {
            LogRequeueFailed(ex, jobId);
        }
    }

    internal static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".ts" => "video/mp2t",
        ".jpg" => "image/jpeg",
        _ => "application/octet-stream",
    };

    private static string Describe(Exception ex) => ex is TranscodeException transcode ? transcode.Reason : $"{ex.GetType().Name}: {ex.Message}";

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";

    private void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(ex, directory);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Transcode job {JobId} (media {MediaId}) does not exist; message dropped")]
    private partial void LogUnknownJob(Guid jobId, Guid mediaId);

    [LoggerMessage(LogLevel.Information, "Transcode job {JobId} is already {Status}; duplicate message acked")]
    private partial void LogAlreadyFinished(Guid jobId, TranscodeStatus status);

    [LoggerMessage(LogLevel.Information, "Transcode job {JobId} of media {MediaId} started (attempt {Attempt})")]
    private partial void LogStarted(Guid jobId, Guid mediaId, int attempt);

    [LoggerMessage(LogLevel.Information, "Media {MediaId} is ready (job {JobId}, renditions {Renditions}, {Elapsed})")]
    private partial void LogReady(Guid mediaId, Guid jobId, string renditions, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Information, "Transcode job {JobId} took {Total}: download {Download}, ffprobe + ffmpeg {Transcode}, upload + database {Finish}")]
    private partial void LogTimings(Guid jobId, TimeSpan total, TimeSpan download, TimeSpan transcode, TimeSpan finish);

    [LoggerMessage(LogLevel.Error, "Media {MediaId} failed (job {JobId}): {Reason}")]
    private partial void LogFailed(Guid mediaId, Guid jobId, string reason);

    [LoggerMessage(LogLevel.Error, "Transcode job {JobId} failed on its last attempt ({Attempts}); giving up")]
    private partial void LogGivingUp(Exception exception, Guid jobId, int attempts);

    [LoggerMessage(LogLevel.Warning, "Could not mark transcode job {JobId} queued for its retry")]
    private partial void LogRequeueFailed(Exception exception, Guid jobId);

    [LoggerMessage(LogLevel.Warning, "Could not delete the work directory {Directory}")]
    private partial void LogCleanupFailed(Exception exception, string directory);
}
