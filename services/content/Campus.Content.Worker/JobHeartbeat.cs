using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Worker;

/// <summary>
/// While a job runs, writes its heartbeat and the latest progress every <see cref="TranscodeOptions.HeartbeatInterval"/>
/// (progress only when it changed), on its own DbContext so the handler's context is never used from two threads.
/// A failed write is logged and retried at the next tick: a short database hiccup must not kill a long transcode.
/// </summary>
internal sealed partial class JobHeartbeat : IAsyncDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Guid _jobId;
    private readonly Guid _mediaId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _progress;
    private int _written;

    public JobHeartbeat(IServiceScopeFactory scopes, Guid jobId, Guid mediaId, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        (_scopes, _jobId, _mediaId, _time, _logger) = (scopes, jobId, mediaId, time, logger);
        _loop = RunAsync(interval);
    }

    /// <summary>The latest percent (0–99); written at the next tick.</summary>
    public void Report(int percent) => Volatile.Write(ref _progress, percent);

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await BeatAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ContentDbContext>();
            var now = _time.GetUtcNow();
            // Only while still processing: a job the watchdog has re-queued or failed is not revived by a late beat.
            await db.TranscodeJobs.Where(j => j.Id == _jobId && j.Status == TranscodeStatus.Processing)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatAt, now), cancellationToken);
            var progress = Volatile.Read(ref _progress);
            if (progress != _written)
            {
                await db.MediaFiles.Where(m => m.Id == _mediaId && m.Status == MediaStatus.Processing)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Progress, progress).SetProperty(m => m.UpdatedAt, now), cancellationToken);
                _written = progress;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBeatFailed(_logger, ex, _jobId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(LogLevel.Warning, "Writing the heartbeat of transcode job {JobId} failed; trying again at the next tick")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception, Guid jobId);
}
