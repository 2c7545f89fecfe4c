using System.Security.Claims;
using Campus.Analytics.Data;

namespace Campus.Analytics.Dashboard;

/// <summary>What asking for the dashboard came to; the API maps it to a status and a problem code.</summary>
public abstract record DashboardReadingResult
{
    /// <summary>The figures of the period and scope.</summary>
    public sealed record Figures(DashboardResponse Dashboard) : DashboardReadingResult;
    /// <summary>The bounds (<c>from</c>, <c>to</c> or both) that cannot be read as a date or an instant with its offset.</summary>
    public sealed record InvalidDate(string[] Fields) : DashboardReadingResult;
    /// <summary>from is after to.</summary>
    public sealed record InvalidPeriod : DashboardReadingResult;
    /// <summary>The period covers more than <see cref="DashboardApi.MaxPeriodDays"/> days.</summary>
    public sealed record PeriodTooLong : DashboardReadingResult;
    /// <summary>The department is longer than <see cref="DashboardApi.MaxDepartmentLength"/> characters.</summary>
    public sealed record InvalidDepartment : DashboardReadingResult;
    /// <summary>The manager's department is unknown to analytics, so they manage no one.</summary>
    public sealed record NoDepartment : DashboardReadingResult;
    /// <summary>The manager asked for a department other than their own.</summary>
    public sealed record OutsideDepartment : DashboardReadingResult;
}

/// <summary>
/// Reading the learning dashboard (the caller checked the role: a manager or an admin): the period is read at the
/// injected clock's now, the department resolved to the caller's scope, and the figures come from
/// <see cref="DashboardCache"/>.
/// </summary>
public sealed class DashboardReading(AnalyticsDbContext db, DashboardCache cache, TimeProvider time)
{
    /// <summary>The dashboard of a period for a department, or for everyone.</summary>
    /// <param name="principal">The caller, a manager or an admin.</param>
    /// <param name="from">The period's start as asked; null for 30 days before its end.</param>
    /// <param name="to">The period's end as asked; null for now.</param>
    /// <param name="department">The department asked for; null or blank for everyone (admins) or the caller's own (managers).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<DashboardReadingResult> ReadAsync(
        ClaimsPrincipal principal, string? from, string? to, string? department, CancellationToken ct)
    {
        string[] tooLong = [.. new[] { ("from", from), ("to", to) }
            .Where(bound => bound.Item2?.Length > DashboardApi.MaxDateLength).Select(bound => bound.Item1)];
        if (tooLong.Length > 0)
        {
            return new DashboardReadingResult.InvalidDate(tooLong);
        }
        if (Period.Parse(from, to, time.GetUtcNow()) is not { } period)
        {
            string[] unreadable = [.. new[] { ("from", from, false), ("to", to, true) }
                .Where(bound => !Period.IsReadable(bound.Item2, bound.Item3)).Select(bound => bound.Item1)];
            // Both readable alone yet no period (a bound outside the calendar's range once converted): from is named.
            return new DashboardReadingResult.InvalidDate(unreadable.Length > 0 ? unreadable : ["from"]);
        }
        if (period.From > period.To)
        {
            return new DashboardReadingResult.InvalidPeriod();
        }
        if (period.To - period.From > TimeSpan.FromDays(DashboardApi.MaxPeriodDays))
        {
            return new DashboardReadingResult.PeriodTooLong();
        }
        if (department?.Length > DashboardApi.MaxDepartmentLength)
        {
            return new DashboardReadingResult.InvalidDepartment();
        }
        department = string.IsNullOrWhiteSpace(department) ? null : department.Trim();

        (department, _, var refusal) = await DepartmentScope.ResolveAsync(db, principal, department, ct);
        switch (refusal)
        {
            case DepartmentScope.Refusal.NoDepartment:
                return new DashboardReadingResult.NoDepartment();
            case DepartmentScope.Refusal.OtherDepartment:
                return new DashboardReadingResult.OutsideDepartment();
        }

        // Keyed by the period as asked (a default period moves with the clock) and the scope as resolved.
        var key = string.Join('\n', department ?? "", from?.Trim() ?? "", to?.Trim() ?? "");
        return new DashboardReadingResult.Figures(await cache.ReadAsync(key, period, department, ct));
    }
}
