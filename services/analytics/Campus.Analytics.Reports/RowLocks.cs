using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Reports;

/// <summary>
/// Rows of the report tables read under a row lock (<c>FOR UPDATE</c>, <c>SKIP LOCKED</c>) in the current transaction.
/// </summary>
/// <remarks>
/// Two statements, not one <c>FromSql("SELECT * … FOR UPDATE")</c>: EF Core's <c>FromSql</c> looks the columns of a
/// complex property (<see cref="ReportParams"/>) up by their path (<c>Params_CourseId</c>), not by their column names, so
/// the lock selects the ids (<c>SELECT id AS "Value" …</c>) and the rows, already locked by this transaction, are then
/// loaded by id, in the order the lock query gave.
/// </remarks>
public static class RowLocks
{
    public static async Task<List<ReportRequest>> LockRequestsAsync(this DbContext db, FormattableString lockIds, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<Guid>(lockIds).ToListAsync(cancellationToken);
        return ids.Count == 0 ? [] : await db.LoadRequestsAsync(ids, cancellationToken);
    }

    /// <summary>The report requests of <paramref name="ids"/> that exist, in that order: the second statement of a lock.</summary>
    public static async Task<List<ReportRequest>> LoadRequestsAsync(this DbContext db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await db.Set<ReportRequest>().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        return [.. ids.Where(rows.ContainsKey).Select(id => rows[id])];
    }

    /// <summary>Report request <paramref name="id"/> under a row lock (<c>FOR UPDATE</c>), or null when there is none.</summary>
    public static async Task<ReportRequest?> LockRequestAsync(this DbContext db, Guid id, CancellationToken cancellationToken) =>
        (await db.LockRequestsAsync($"SELECT id AS \"Value\" FROM report_requests WHERE id = {id} FOR UPDATE", cancellationToken)).FirstOrDefault();

    public static async Task<List<ReportSchedule>> LockSchedulesAsync(this DbContext db, FormattableString lockIds, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<Guid>(lockIds).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return [];
        }
        var rows = await db.Set<ReportSchedule>().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        return [.. ids.Where(rows.ContainsKey).Select(id => rows[id])];
    }
}
