using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Worker;

/// <summary>
/// Finds jobs left <c>processing</c> whose heartbeat stopped (their worker died or hangs) and re-queues them with a
/// new <see cref="TranscodeRequested"/> through the outbox, or fails them once <see cref="TranscodeOptions.MaxAttempts"/>
/// runs were started. Safe with several worker replicas: each job is taken with a conditional update inside the
/// transaction that also writes the message, so only one replica acts on it. Each pass also counts the jobs not finished
/// yet by state for <see cref="TranscodeMetrics"/>.
/// </summary>
public sealed partial class TranscodeWatchdog(
    IServiceScopeFactory scopes,
    IOptions<TranscodeOptions> options,
    TranscodeMetrics metrics,
    TimeProvider time,
    ILogger<TranscodeWatchdog> logger) : BackgroundService
{
    private const int BatchSize = 50;
    private readonly TranscodeOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.WatchdogInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
                CleanWorkDir();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; returns how many stale jobs were re-queued or failed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ContentDbContext>();
        var now = time.GetUtcNow();
        var cutoff = now - _options.HeartbeatTimeout;
        var live = await db.TranscodeJobs
            .Where(j => j.Status == TranscodeStatus.Queued || j.Status == TranscodeStatus.Processing)
            .GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        metrics.Pending(live.GetValueOrDefault(TranscodeStatus.Queued), live.GetValueOrDefault(TranscodeStatus.Processing));
        var stale = await db.TranscodeJobs.AsNoTracking()
            .Where(j => j.Status == TranscodeStatus.Processing && (j.HeartbeatAt == null || j.HeartbeatAt < cutoff))
            .OrderBy(j => j.HeartbeatAt)
            .Take(BatchSize)
            .Select(j => new { j.Id, j.MediaId, j.Attempts })
            .ToListAsync(cancellationToken);

        var handled = 0;
        foreach (var job in stale)
        {
            db.ChangeTracker.Clear();
            var giveUp = job.Attempts >= _options.MaxAttempts;
            var reason = giveUp
                ? $"The transcode stopped responding (no heartbeat for {_options.HeartbeatTimeout}) and {job.Attempts} attempts were made; giving up."
                : $"The transcode stopped responding (no heartbeat for {_options.HeartbeatTimeout}) on attempt {job.Attempts}; re-queued.";
            var status = giveUp ? TranscodeStatus.Failed : TranscodeStatus.Queued;
            DateTimeOffset? finishedAt = giveUp ? now : null;

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Re-checked under the row lock: a worker that beat or finished meanwhile keeps its job.
            var taken = await db.TranscodeJobs
                .Where(j => j.Id == job.Id && j.Status == TranscodeStatus.Processing && (j.HeartbeatAt == null || j.HeartbeatAt < cutoff))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, status)
                    .SetProperty(j => j.Error, reason)
                    .SetProperty(j => j.FinishedAt, finishedAt), cancellationToken);
            if (taken == 0)
            {
                continue;
            }
            var media = await db.MediaFiles.FirstOrDefaultAsync(m => m.Id == job.MediaId, cancellationToken);
            if (media is not null && media.Status != MediaStatus.Ready)
            {
                media.Status = giveUp ? MediaStatus.Failed : MediaStatus.Queued;
                media.Progress = 0;
                media.Error = giveUp ? reason : null;
                media.UpdatedAt = now;
                if (giveUp)
                {
                    db.AddOutboxMessage(new MediaFailed(media.Id, media.OwnerId, media.Filename, reason));
                }
            }
            if (!giveUp)
            {
                db.AddOutboxMessage(new TranscodeRequested(job.Id, job.MediaId));
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            handled++;
            if (giveUp)
            {
                LogFailed(job.Id, job.MediaId, job.Attempts);
            }
            else
            {
                LogRequeued(job.Id, job.MediaId, job.Attempts);
            }
        }
        return handled;
    }

    /// <summary>
    /// Deletes job directories nobody has written to for longer than a run may take: what a worker killed with
    /// SIGKILL (or a crashed machine) left behind. A live job writes its directory all the time.
    /// </summary>
    internal int CleanWorkDir()
    {
        var root = new DirectoryInfo(_options.EffectiveWorkDir);
        if (!root.Exists)
        {
            return 0;
        }
        var cutoff = time.GetUtcNow().UtcDateTime - _options.MaxRunTime - _options.HeartbeatTimeout;
        var deleted = 0;
        foreach (var directory in root.EnumerateDirectories())
        {
            try
            {
                var newest = directory.EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
                    .Select(entry => entry.LastWriteTimeUtc).Append(directory.LastWriteTimeUtc).Max();
                if (newest < cutoff)
                {
                    directory.Delete(recursive: true);
                    deleted++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(ex, directory.FullName);
            }
        }
        return deleted;
    }

    [LoggerMessage(LogLevel.Warning, "Could not delete the abandoned work directory {Directory}")]
    private partial void LogCleanupFailed(Exception exception, string directory);

    [LoggerMessage(LogLevel.Warning, "Transcode job {JobId} of media {MediaId} stopped sending heartbeats on attempt {Attempts}; re-queued")]
    private partial void LogRequeued(Guid jobId, Guid mediaId, int attempts);

    [LoggerMessage(LogLevel.Error, "Transcode job {JobId} of media {MediaId} stopped sending heartbeats after {Attempts} attempts; failed")]
    private partial void LogFailed(Guid jobId, Guid mediaId, int attempts);

    [LoggerMessage(LogLevel.Error, "The transcode watchdog's sweep failed; trying again at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
