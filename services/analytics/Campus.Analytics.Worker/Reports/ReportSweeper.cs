using Campus.Analytics.Reports;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Campus.Storage;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Worker.Reports;

/// <summary>
/// Every <c>Reports:SweepInterval</c>: (1) a running request whose lease ran out (its worker died or hangs) goes back to
/// queued with a new <c>analytics.report.requested</c> through the outbox, in one transaction, or fails when it used
/// <c>Reports:MaxAttempts</c> runs; (2) a ready request past its <c>expires_at</c> has its file deleted and becomes
/// <c>expired</c>. Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so several replicas sweep without doubling work.
/// </summary>
public sealed partial class ReportSweeper(
    IServiceScopeFactory scopes, IObjectStorage storage, IOptions<ReportsOptions> options, IOptions<SchedulesOptions> schedules, TimeProvider time,
    ILogger<ReportSweeper> logger)
    : PeriodicJob(time, logger)
{
    private const int Batch = 100;
    private readonly ReportsOptions _options = options.Value;

    protected override TimeSpan Interval => _options.SweepInterval;

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => SweepAsync(stoppingToken);

    /// <summary>One sweep; answers (re-queued or failed, expired).</summary>
    public async Task<(int Requeued, int Expired)> SweepAsync(CancellationToken cancellationToken)
    {
        var requeued = await RequeueStaleAsync(cancellationToken);
        var expired = 0;
        while (await ExpireBatchAsync(cancellationToken) is var count and > 0)
        {
            expired += count;
        }
        return (requeued, expired);
    }

    private async Task<int> RequeueStaleAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportsDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = Time.GetUtcNow();
        var stale = await db.LockRequestsAsync(
            $"SELECT id AS \"Value\" FROM report_requests WHERE state = 'running' AND lease_until < {now} ORDER BY lease_until LIMIT {Batch} FOR UPDATE SKIP LOCKED",
            cancellationToken);
        var aborts = new List<(string Key, string UploadId)>();
        foreach (var request in stale)
        {
            if (request.Attempts >= _options.MaxAttempts)
            {
                request.State = ReportStates.Failed;
                request.Error = $"The report worker stopped responding and {request.Attempts} attempts were made; giving up.";
                request.FinishedAt = now;
                if (request is { ObjectKey: { } key, UploadId: { } upload })
                {
                    aborts.Add((key, upload));
                }
                request.UploadId = null;
                LogGaveUp(request.Id, request.Attempts);
            }
            else
            {
                // The upload id stays on the row: the next run aborts that upload before it starts its own.
                request.State = ReportStates.Queued;
                request.Error = $"Attempt {request.Attempts} stopped responding (no heartbeat since {request.LeaseUntil:O}); retrying.";
                request.Progress = 0;
                db.AddOutboxMessage(new ReportRequested(request.Id));
                LogRequeued(request.Id, request.Attempts);
            }
            request.LeaseUntil = null;
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var failed in stale.Where(r => r.State == ReportStates.Failed))
        {
            await ScheduleOutcomes.RecordAsync(db, failed, schedules.Value.PauseAfterFailures, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var (key, upload) in aborts)
        {
            await storage.AbortUploadAsync(StorageBuckets.Reports, key, upload, cancellationToken);
        }
        return stale.Count;
    }

    private async Task<int> ExpireBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportsDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = Time.GetUtcNow();
        var due = await db.LockRequestsAsync(
            $"SELECT id AS \"Value\" FROM report_requests WHERE state = 'ready' AND expires_at <= {now} ORDER BY expires_at LIMIT {Batch} FOR UPDATE SKIP LOCKED",
            cancellationToken);
        foreach (var request in due)
        {
            // The file first: should the commit fail, the next sweep deletes again (deleting a missing object is fine).
            if (request.ObjectKey is { } key)
            {
                await storage.DeleteAsync(StorageBuckets.Reports, key, cancellationToken);
            }
            request.State = ReportStates.Expired;
            request.ObjectKey = null;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (due.Count > 0)
        {
            LogExpired(due.Count);
        }
        return due.Count;
    }

    [LoggerMessage(LogLevel.Warning, "Report {RequestId}: attempt {Attempt} lost its lease; re-queued")]
    private partial void LogRequeued(Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Error, "Report {RequestId}: attempt {Attempt} lost its lease and no attempts are left; failed")]
    private partial void LogGaveUp(Guid requestId, int attempt);

    [LoggerMessage(LogLevel.Information, "Expired {Count} report files")]
    private partial void LogExpired(int count);
}
