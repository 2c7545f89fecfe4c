using Campus.Analytics.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Worker.Reports;

/// <summary>
/// Every <c>Schedules:PollInterval</c> (15 s): claims the due schedules (<c>next_run_at &lt;= now</c>, not paused) with
/// <c>FOR UPDATE SKIP LOCKED</c> and, in one transaction per batch, writes for each one report request of the owner
/// (with its <c>analytics.report.requested</c> through the outbox) and moves <c>next_run_at</c> to the next occurrence
/// after now. Several worker replicas never fire an occurrence twice: a schedule is locked by one of them, the others
/// skip it, and once committed its <c>next_run_at</c> is in the future; the unique (schedule_id, occurrence_at) of
/// <c>report_requests</c> refuses a second request for one occurrence whatever happens.
/// </summary>
/// <remarks>
/// Occurrences missed while nothing ran fire once on catch-up (keyed by the first one missed), not once each: the next
/// occurrence is computed from now. The owner is checked at every firing against the facts: an owner no longer admin,
/// or a manager no longer in the schedule's department, pauses it with the reason instead of firing.
/// </remarks>
public sealed partial class ScheduleFirer(
    IServiceScopeFactory scopes, IOptions<ScheduleOptions> options, TimeProvider time, ILogger<ScheduleFirer> logger) : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                while (await FireDueAsync(stoppingToken) == Batch)
                {
                    // A full batch: more may be due.
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFiringFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record Owner(Guid UserId, string[] Roles, string? Department);

    /// <summary>One batch: fires the due schedules it could lock; answers how many it claimed.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportsDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var due = await db.ReportSchedules
            .FromSql($"SELECT * FROM report_schedules WHERE NOT paused AND next_run_at <= {now} ORDER BY next_run_at LIMIT {Batch} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        var owners = await OwnersAsync(db, [.. due.Select(s => s.OwnerId).Distinct()], cancellationToken);
        foreach (var schedule in due)
        {
            var occurrence = schedule.NextRunAt!.Value;
            if (Refusal(schedule, owners.GetValueOrDefault(schedule.OwnerId)) is { } reason)
            {
                schedule.Paused = true;
                schedule.PausedReason = reason;
                schedule.NextRunAt = null;
                schedule.UpdatedAt = now;
                LogRefused(schedule.Id, reason);
                continue;
            }
            ReportRequest.Enqueue(db, new ReportRequest
            {
                UserId = schedule.OwnerId,
                Type = schedule.Type,
                Format = schedule.Format,
                FromDate = schedule.FromDate,
                ToDate = schedule.ToDate,
                Department = schedule.Department,
                CourseId = schedule.CourseId,
                Locale = schedule.Locale,
                // The zone the owner chose for the schedule is the one its reports speak.
                TimeZone = schedule.TimeZone,
                CreatedAt = now,
                ScheduleId = schedule.Id,
                OccurrenceAt = occurrence,
                Recipients = [.. schedule.Recipients],
            });
            schedule.LastRunAt = occurrence;
            // From now, not from the occurrence: occurrences missed while nothing ran are not fired one by one.
            schedule.NextRunAt = ScheduleClock.Next(schedule.Cron, schedule.TimeZone, now);
            LogFired(schedule.Id, occurrence, now - occurrence);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>The owners' roles and department from the facts (the report worker's context maps no fact table).</summary>
    private static async Task<Dictionary<Guid, Owner>> OwnersAsync(ReportsDbContext db, Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = "SELECT user_id, roles, department FROM users WHERE user_id = ANY(@ids)";
        command.Parameters.Add(new NpgsqlParameter("ids", ids));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var owners = new Dictionary<Guid, Owner>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var owner = new Owner(reader.GetGuid(0), reader.GetFieldValue<string[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            owners[owner.UserId] = owner;
        }
        return owners;
    }

    /// <summary>Why the owner may no longer have this report made (null: they may).</summary>
    private static string? Refusal(ReportSchedule schedule, Owner? owner)
    {
        if (owner is null)
        {
            return "owner_unknown: analytics no longer knows the schedule's owner.";
        }
        if (owner.Roles.Contains("admin"))
        {
            return null;
        }
        if (!owner.Roles.Contains("manager"))
        {
            return "owner_not_allowed: the owner is no longer a manager or an admin.";
        }
        return string.Equals(owner.Department, schedule.Department, StringComparison.Ordinal)
            ? null
            : "owner_not_allowed: the owner is no longer in the schedule's department.";
    }

    [LoggerMessage(LogLevel.Information, "Schedule {ScheduleId} fired for {Occurrence} ({Delay} late)")]
    private partial void LogFired(Guid scheduleId, DateTimeOffset occurrence, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Schedule {ScheduleId} paused instead of firing: {Reason}")]
    private partial void LogRefused(Guid scheduleId, string reason);

    [LoggerMessage(LogLevel.Warning, "Firing the due schedules failed; trying again after the interval")]
    private partial void LogFiringFailed(Exception exception);
}
