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
/// occurrence is computed from now. The owner and the recipients are checked at every firing against the facts: an owner
/// unknown, blocked, no longer admin, or a manager no longer in the schedule's department pauses it with the reason
/// instead of firing; a recipient blocked, unknown, or (for a manager's schedule) no longer in its department is left
/// off that firing's request. A period in the parameters is resolved as of the occurrence, in the schedule's zone.
/// </remarks>
public sealed partial class ScheduleFirer(
    IServiceScopeFactory scopes, IOptions<SchedulesOptions> options, TimeProvider time, ILogger<ScheduleFirer> logger) : BackgroundService
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

    /// <summary>An owner's or a recipient's row of the <c>users</c> facts, as far as the checks need it.</summary>
    private sealed record Person(Guid UserId, string[] Roles, string? Department, bool Blocked)
    {
        public bool IsAdmin => Roles.Contains(Campus.Roles.Admin);
    }

    /// <summary>One batch: fires the due schedules it could lock; answers how many it claimed.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportsDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var due = await db.LockSchedulesAsync(
            $"SELECT id AS \"Value\" FROM report_schedules WHERE NOT paused AND next_run_at <= {now} ORDER BY next_run_at LIMIT {Batch} FOR UPDATE SKIP LOCKED",
            cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        var people = await PeopleAsync(db, [.. due.SelectMany(s => s.Recipients.Append(s.OwnerId)).Distinct()], cancellationToken);
        foreach (var schedule in due)
        {
            var occurrence = schedule.NextRunAt!.Value;
            var owner = people.GetValueOrDefault(schedule.OwnerId);
            if (Refusal(schedule, owner) is { } reason)
            {
                schedule.Paused = true;
                schedule.PausedReason = reason;
                schedule.NextRunAt = null;
                schedule.UpdatedAt = now;
                LogRefused(schedule.Id, reason);
                continue;
            }
            // Recipients are checked again too: one who left the department or lost access gets nothing from now on.
            var recipients = schedule.Recipients.Where(r => MayReceive(owner!, schedule, people.GetValueOrDefault(r))).ToList();
            if (recipients.Count < schedule.Recipients.Count)
            {
                LogRecipientsDropped(schedule.Id, string.Join(", ", schedule.Recipients.Except(recipients)));
            }
            ReportRequest.Enqueue(db, new ReportRequest
            {
                UserId = schedule.OwnerId,
                Type = schedule.Type,
                Format = schedule.Format,
                // A period's days as of the occurrence, in the schedule's zone: Monday 08:00's previous_week is the week before.
                Params = schedule.Params.Resolve(occurrence, TimeZones.Find(schedule.TimeZone, ScheduleClock.DefaultZone)),
                Locale = schedule.Locale,
                // The zone the owner chose for the schedule is the one its reports speak.
                TimeZone = schedule.TimeZone,
                CreatedAt = now,
                ScheduleId = schedule.Id,
                OccurrenceAt = occurrence,
                Recipients = recipients,
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

    /// <summary>The owners' and recipients' roles, department and status from the facts (the report worker's context maps no fact table).</summary>
    private static async Task<Dictionary<Guid, Person>> PeopleAsync(ReportsDbContext db, Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = "SELECT user_id, roles, department, status = 'blocked' FROM users WHERE user_id = ANY(@ids)";
        command.Parameters.Add(new NpgsqlParameter("ids", ids));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var people = new Dictionary<Guid, Person>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var person = new Person(reader.GetGuid(0), reader.GetFieldValue<string[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                !reader.IsDBNull(3) && reader.GetBoolean(3));
            people[person.UserId] = person;
        }
        return people;
    }

    /// <summary>Why the owner may no longer have this report made (null: they may).</summary>
    private static string? Refusal(ReportSchedule schedule, Person? owner)
    {
        if (owner is null)
        {
            return "owner_unknown: analytics no longer knows the schedule's owner.";
        }
        if (owner.Blocked)
        {
            return "owner_not_allowed: the owner is blocked.";
        }
        if (owner.IsAdmin)
        {
            return null;
        }
        if (!owner.Roles.Contains(Campus.Roles.Manager))
        {
            return "owner_not_allowed: the owner is no longer a manager or an admin.";
        }
        return string.Equals(owner.Department, schedule.Params.Department, StringComparison.Ordinal)
            ? null
            : "owner_not_allowed: the owner is no longer in the schedule's department.";
    }

    /// <summary>
    /// The rule a recipient was accepted under, checked again at the firing: a user analytics still knows and who is not
    /// blocked; for a manager's schedule, still of the schedule's department (an admin's schedule may send to anyone).
    /// </summary>
    private static bool MayReceive(Person owner, ReportSchedule schedule, Person? recipient) =>
        recipient is { Blocked: false }
        && (owner.IsAdmin || string.Equals(recipient.Department, schedule.Params.Department, StringComparison.Ordinal));

    [LoggerMessage(LogLevel.Information, "Schedule {ScheduleId} fired for {Occurrence} ({Delay} late)")]
    private partial void LogFired(Guid scheduleId, DateTimeOffset occurrence, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Schedule {ScheduleId} paused instead of firing: {Reason}")]
    private partial void LogRefused(Guid scheduleId, string reason);

    [LoggerMessage(LogLevel.Warning, "Schedule {ScheduleId} fired without the recipients who may no longer receive it: {Recipients}")]
    private partial void LogRecipientsDropped(Guid scheduleId, string recipients);

    [LoggerMessage(LogLevel.Warning, "Firing the due schedules failed; trying again after the interval")]
    private partial void LogFiringFailed(Exception exception);
}
