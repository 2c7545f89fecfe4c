using Campus.Content.Data;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Uploads;

/// <summary>
/// Marks uploads that were never completed as failed once their <c>upload_expires_at</c> (created +
/// <see cref="ContentOptions.UploadCompletionWindow"/>) has passed, and deletes whatever part of them reached S3.
/// Every replica may run it: each row changes in a conditional update, so exactly one replica cleans it up.
/// </summary>
public sealed partial class UploadSweeper(
    IServiceScopeFactory scopes, IObjectStorage storage, IMultipartUploads multipart, IOptions<ContentOptions> options,
    TimeProvider time, ILogger<UploadSweeper> logger) : PeriodicJob(time, logger)
{
    private const int BatchSize = 100;

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => SweepAsync(stoppingToken);

    /// <summary>One round: fails every expired upload; returns how many it failed.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ContentDbContext>();
        var now = Time.GetUtcNow();
        var error = $"The upload was not completed within {options.Value.UploadCompletionWindow.TotalHours:0.##} h.";
        var failed = 0;

        while (true)
        {
            var media = await db.MediaFiles.AsNoTracking()
                .Where(m => m.Status == MediaStatus.Uploading && m.UploadExpiresAt <= now)
                .OrderBy(m => m.UploadExpiresAt).Take(BatchSize)
                .Select(m => new { m.Id, m.SourceKey, m.MultipartUploadId })
                .ToListAsync(ct);
            foreach (var m in media)
            {
                if (await UploadFailures.FailMediaAsync(db, m.Id, error, now, ct) == 0)
                {
                    continue;
                }
                failed++;
                LogExpired("video", m.Id);
                await CleanUpAsync(StorageBuckets.MediaUploads, m.SourceKey, m.MultipartUploadId, ct);
            }
            if (media.Count < BatchSize)
            {
                break;
            }
        }

        while (true)
        {
            var documents = await db.Documents.AsNoTracking()
                .Where(d => d.Status == DocumentStatus.Uploading && d.UploadExpiresAt <= now)
                .OrderBy(d => d.UploadExpiresAt).Take(BatchSize)
                .Select(d => new { d.Id, d.Key })
                .ToListAsync(ct);
            foreach (var d in documents)
            {
                if (await UploadFailures.FailDocumentAsync(db, d.Id, error, now, ct) == 0)
                {
                    continue;
                }
                failed++;
                LogExpired("document", d.Id);
                await CleanUpAsync(StorageBuckets.Documents, d.Key, null, ct);
            }
            if (documents.Count < BatchSize)
            {
                break;
            }
        }
        return failed;
    }

    private async Task CleanUpAsync(string bucket, string key, string? multipartUploadId, CancellationToken ct)
    {
        // After the row is failed: a failure here leaves an orphan object, never a row pointing at a half upload.
        try
        {
            if (multipartUploadId is not null)
            {
                await multipart.AbortAsync(bucket, key, multipartUploadId, ct);
            }
            await storage.DeleteAsync(bucket, key, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCleanUpFailed(ex, bucket);
        }
    }

    [LoggerMessage(LogLevel.Information, "The {Kind} upload {Id} expired before it was completed; marked failed")]
    private partial void LogExpired(string kind, Guid id);

    [LoggerMessage(LogLevel.Warning, "Could not delete an expired upload from {Bucket}")]
    private partial void LogCleanUpFailed(Exception exception, string bucket);
}
