using Campus.Analytics.Reports;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Campus.Analytics.Worker.Reports;

/// <summary>
/// Runs one report request: claim (queued → running with a lease, attempt + 1) → query → file in S3 → ready and
/// <c>analytics.report.ready</c> in one transaction.
/// </summary>
/// <remarks>
/// The row is the source of truth, so redelivery is harmless: a request that is final, or running under a lease that
/// has not run out (another worker holds it), is acked without work; a worker that dies leaves a running row whose lease
/// runs out, and the sweeper re-queues it. While it runs, a heartbeat renews the lease and writes the progress; when it
/// finds the row no longer running under this attempt (canceled), the run stops and its upload is aborted.
/// Transient failures put the row back to queued and throw for the messaging retries; the last attempt, or a request
/// out of <c>Reports:MaxAttempts</c> runs, fails it.
/// </remarks>
public sealed partial class ReportHandler(
    ReportsDbContext db,
    ReportGenerator generator,
    NpgsqlDataSource dataSource,
    IObjectStorage storage,
    IOptions<ReportsOptions> options,
    IOptions<SchedulesOptions> schedules,
    TimeProvider time,
    ReportMetrics metrics,
    ILogger<ReportHandler> logger) : IIntegrationEventHandler<ReportRequested>
{
    private readonly ReportsOptions _options = options.Value;
    private readonly int _pauseAfter = schedules.Value.PauseAfterFailures;

    public async Task HandleAsync(ReportRequested message, MessageContext context, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(message.RequestId, cancellationToken);
        if (claim is null)
        {
            return;
        }
        var (request, staleUpload) = claim.Value;
        if (staleUpload is { } stale)
        {
            // A killed run's multipart upload: discard its parts.
            await storage.AbortUploadAsync(StorageBuckets.Reports, stale.Key, stale.UploadId, cancellationToken);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = new Heartbeat(request.Id, request.Attempts);
        var beating = BeatAsync(heartbeat, stop, stop.Token);
        var started = time.GetTimestamp();
        try
        {
            var report = await generator.RunAsync(
                request,
                uploadId => RecordUploadAsync(request.Id, request.Attempts, uploadId, cancellationToken),
                (done, expected) => heartbeat.Progress = expected <= 0 ? 0 : (int)Math.Min(99, done * 100 / expected),
                stop.Token);
            await StopAsync(stop, beating);
            await CompleteAsync(request, report, cancellationToken);
            metrics.Done(request.Type, request.Format, time.GetElapsedTime(started), report.SizeBytes);
        }
        catch (OperationCanceledException) when (heartbeat.Lost && !cancellationToken.IsCancellationRequested)
        {
            await StopAsync(stop, beating);
            LogStopped(request.Id, request.Attempts);
            await DeleteQuietlyAsync(request.ObjectKey!);
        }
        catch (ReportException ex)
        {
            await StopAsync(stop, beating);
            await FailAsync(request.Id, request.Attempts, ex.Message);
            metrics.Ended(request.Type, request.Format, "failed");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (context.IsLastAttempt || request.Attempts >= _options.MaxAttempts))
        {
            await StopAsync(stop, beating);
            LogGivingUp(ex, request.Id, request.Attempts);
            metrics.Ended(request.Type, request.Format, "failed");
            await FailAsync(request.Id, request.Attempts, $"The report failed after {request.Attempts} attempts: {ex.GetType().Name}: {ex.Message}");
        }
        catch (Exception ex)
        {
            await StopAsync(stop, beating);
            // Stopping (SIGTERM) or a transient failure: back to queued so nothing stays running, then the broker redelivers.
            metrics.Ended(request.Type, request.Format, "retried");
            await RequeueAsync(request.Id, request.Attempts, refund: cancellationToken.IsCancellationRequested,
                $"Attempt {request.Attempts} failed and will be retried: {ex.GetType().Name}: {ex.Message}");
            throw;
        }
    }

    private sealed class Heartbeat(Guid id, int attempt)
    {
        public Guid Id { get; } = id;
        public int Attempt { get; } = attempt;
        public volatile int Progress;
        public volatile bool Lost;
    }

    private async Task<(ReportRequest Request, (string Key, string UploadId)? StaleUpload)?> ClaimAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var request = await db.LockRequestAsync(id, cancellationToken);
        var now = time.GetUtcNow();
        if (request is null)
        {
            LogUnknown(id);
            return null;
        }
        if (ReportStates.IsFinal(request.State) || (request.State == ReportStates.Running && request.LeaseUntil > now))
        {
            LogSkipped(id, request.State);
            return null;
        }
        (string, string)? stale = request is { ObjectKey: { } key, UploadId: { } upload } ? (key, upload) : null;
        if (request.Attempts >= _options.MaxAttempts)
        {
            Finish(request, ReportStates.Failed, $"The report did not finish in {request.Attempts} attempts.", now);
            await db.SaveChangesAsync(cancellationToken);
            await ScheduleOutcomes.RecordAsync(db, request, _pauseAfter, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogFailed(id, request.Error!);
            if (stale is { } s)
            {
                await storage.AbortUploadAsync(StorageBuckets.Reports, s.Item1, s.Item2, CancellationToken.None);
            }
            return null;
        }
        request.State = ReportStates.Running;
        request.Attempts++;
        request.Progress = 0;
        request.StartedAt = now;
        request.LeaseUntil = now + _options.LeaseDuration;
        request.Error = null;
        request.UploadId = null;
        // Every run writes its own random key: a killed run's object can never be taken for this one's.
        request.ObjectKey = $"{ObjectKeys.NewPrefix("reports")}.{request.Format}";
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogStarted(id, request.Type, request.Format, request.Attempts);
        return (request, stale);
    }

    private async Task RecordUploadAsync(Guid id, int attempt, string uploadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE report_requests SET upload_id = $1 WHERE id = $2 AND attempts = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = uploadId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = attempt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task BeatAsync(Heartbeat heartbeat, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await using var command = dataSource.CreateCommand(
                        "UPDATE report_requests SET progress = $1, lease_until = $2 WHERE id = $3 AND attempts = $4 AND state = 'running'");
                    command.Parameters.Add(new NpgsqlParameter { Value = heartbeat.Progress });
                    command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() + _options.LeaseDuration });
                    command.Parameters.Add(new NpgsqlParameter { Value = heartbeat.Id });
                    command.Parameters.Add(new NpgsqlParameter { Value = heartbeat.Attempt });
                    if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
                    {
                        // Canceled by its requester, or taken over after this worker lost its lease: stop writing.
                        heartbeat.Lost = true;
                        await stop.CancelAsync();
                        return;
                    }
                }
                catch (NpgsqlException ex)
                {
                    LogHeartbeatFailed(ex, heartbeat.Id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task beating)
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }
        await beating;
    }

    private async Task CompleteAsync(ReportRequest claimed, GeneratedReport report, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var request = await db.LockRequestAsync(claimed.Id, cancellationToken)
            ?? throw new InvalidOperationException($"Report request {claimed.Id} is gone.");
        if (request.State != ReportStates.Running || request.Attempts != claimed.Attempts)
        {
            await transaction.RollbackAsync(cancellationToken);
            LogStopped(request.Id, claimed.Attempts);
            await DeleteQuietlyAsync(claimed.ObjectKey!);
            return;
        }
        var now = time.GetUtcNow();
        request.State = ReportStates.Ready;
        request.Progress = 100;
        request.LeaseUntil = null;
        request.UploadId = null;
        request.FileName = report.FileName;
        request.SizeBytes = report.SizeBytes;
        request.RowCount = report.Rows;
        request.Truncated = report.Truncated;
        request.FinishedAt = now;
        request.ExpiresAt = now + _options.Retention;
        db.AddOutboxMessage(new ReportReady(request.Id, request.UserId, request.Type, request.Format, report.FileName, request.Recipients));
        await db.SaveChangesAsync(cancellationToken);
        await ScheduleOutcomes.RecordAsync(db, request, _pauseAfter, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogReady(request.Id, report.Rows, report.SizeBytes, now - (request.StartedAt ?? now));
    }

    private async Task FailAsync(Guid id, int attempt, string reason)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var request = await db.LockRequestAsync(id, CancellationToken.None)
            ?? throw new InvalidOperationException($"Report request {id} is gone.");
        if (request.State != ReportStates.Running || request.Attempts != attempt)
        {
            return;
        }
        var now = time.GetUtcNow();
        Finish(request, ReportStates.Failed, reason, now);
        await db.SaveChangesAsync();
        await ScheduleOutcomes.RecordAsync(db, request, _pauseAfter, now, CancellationToken.None);
        await transaction.CommitAsync();
        LogFailed(id, request.Error!);
    }

    private async Task RequeueAsync(Guid id, int attempt, bool refund, string reason)
    {
        db.ChangeTracker.Clear();
        var request = await db.ReportRequests.FirstAsync(r => r.Id == id);
        if (request.State != ReportStates.Running || request.Attempts != attempt)
        {
            return;
        }
        request.State = ReportStates.Queued;
        request.LeaseUntil = null;
        request.Progress = 0;
        request.Error = Truncate(reason);
        if (refund)
        {
            request.Attempts--;
        }
        await db.SaveChangesAsync();
    }

    private static void Finish(ReportRequest request, string state, string reason, DateTimeOffset now)
    {
        request.State = state;
        request.Error = Truncate(reason);
        request.LeaseUntil = null;
        request.UploadId = null;
        request.FinishedAt = now;
    }

    private static string Truncate(string text) => text.Length <= ReportRequest.ErrorLength ? text : text[..ReportRequest.ErrorLength];

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await storage.DeleteAsync(StorageBuckets.Reports, key);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeleteFailed(ex, key);
        }
    }

    [LoggerMessage(LogLevel.Information, "Report {RequestId} ({Type}, {Format}) started, attempt {Attempt}")]
    private partial void LogStarted(Guid requestId, string type, string format, int attempt);

    [LoggerMessage(LogLevel.Information, "Report {RequestId} ready: {Rows} rows, {Bytes} bytes in {Elapsed}")]
    private partial void LogReady(Guid requestId, long rows, long bytes, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Warning, "Report {RequestId} failed: {Reason}")]
    private partial void LogFailed(Guid requestId, string reason);

    [LoggerMessage(LogLevel.Error, "Report {RequestId} gives up after attempt {Attempt}")]
    private partial void LogGivingUp(Exception exception, Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Information, "Report {RequestId} attempt {Attempt} stopped: the request was canceled or taken over")]
    private partial void LogStopped(Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Report request {RequestId} does not exist; message acked")]
    private partial void LogUnknown(Guid requestId);

    [LoggerMessage(LogLevel.Information, "Report request {RequestId} is {State}; message acked without work")]
    private partial void LogSkipped(Guid requestId, string state);

    [LoggerMessage(LogLevel.Warning, "Report {RequestId}: the heartbeat could not be written")]
    private partial void LogHeartbeatFailed(Exception exception, Guid requestId);

    [LoggerMessage(LogLevel.Warning, "Could not delete the report object {Key}")]
    private partial void LogDeleteFailed(Exception exception, string key);
}
