using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Reports;

/// <summary>
/// What a fired request's end does to its schedule: ready resets the failure count; failed adds one, and the
/// <c>Schedules:PauseAfterFailures</c>-th failure in a row pauses the schedule with the reason. Called in the transaction
/// that finishes the request, so the count and the request's state never disagree.
/// </summary>
public static class ScheduleOutcomes
{
    public static async Task RecordAsync(DbContext db, ReportRequest request, int pauseAfter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (request.ScheduleId is not { } schedule)
        {
            return;
        }
        if (request.State == ReportStates.Ready)
        {
            await db.Database.ExecuteSqlAsync($"UPDATE report_schedules SET consecutive_failures = 0 WHERE id = {schedule}", cancellationToken);
            return;
        }
        var reason = $"{pauseAfter} scheduled reports in a row failed; the last one: {request.Error}";
        reason = reason.Length <= ReportSchedule.ReasonLength ? reason : reason[..ReportSchedule.ReasonLength];
        // Every SET expression reads the row as it was, so the three agree on whether this failure is the one that pauses.
        await db.Database.ExecuteSqlAsync($"""
            UPDATE report_schedules SET
                consecutive_failures = consecutive_failures + 1,
                paused = paused OR consecutive_failures + 1 >= {pauseAfter},
                paused_reason = CASE WHEN NOT paused AND consecutive_failures + 1 >= {pauseAfter} THEN {reason} ELSE paused_reason END,
                next_run_at = CASE WHEN NOT paused AND consecutive_failures + 1 >= {pauseAfter} THEN NULL ELSE next_run_at END,
                updated_at = CASE WHEN NOT paused AND consecutive_failures + 1 >= {pauseAfter} THEN {now} ELSE updated_at END
            WHERE id = {schedule}
            """, cancellationToken);
    }
}
