using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Hosting;

namespace Campus.Analytics.Reports;

/// <summary>
/// A date range relative to when a report is asked for (a request: when it is made; a schedule: each occurrence),
/// in days of the report's time zone. The day the report is made is "today".
/// </summary>
public enum ReportPeriod
{
    /// <summary>The 7 whole days before today.</summary>
    [JsonStringEnumMemberName("last_7_days")] Last7Days,

    /// <summary>The 30 whole days before today.</summary>
    [JsonStringEnumMemberName("last_30_days")] Last30Days,

    /// <summary>Monday to Sunday of the week before this one.</summary>
    [JsonStringEnumMemberName("previous_week")] PreviousWeek,

    /// <summary>The first to the last day of the month before this one.</summary>
    [JsonStringEnumMemberName("previous_month")] PreviousMonth,

    /// <summary>The first day of this month to today.</summary>
    [JsonStringEnumMemberName("month_to_date")] MonthToDate,
}

/// <summary>
/// The parameters of a report, the same for a request and a schedule (body, answer and row): a day range (in the report's
/// time zone, both days included) or a relative <see cref="Period"/>, a department, a course. Stored as columns of the
/// owning row (<c>from_date</c>, <c>to_date</c>, <c>department</c>, <c>course_id</c>, <c>period</c>). Every member is
/// optional, absent meaning null, so the contract requires none of them.
/// </summary>
/// <param name="From">First day included, or null for no lower bound.</param>
/// <param name="To">Last day included, or null for no upper bound.</param>
/// <param name="Department">Only learners of this department; always set for a manager's report (their own).</param>
/// <param name="CourseId">Only this course.</param>
/// <param name="Period">
/// A range relative to when the report is made, instead of <paramref name="From"/>/<paramref name="To"/> (both is 422
/// <c>period_and_range</c>). A request resolves it when made and answers the days it chose; a schedule keeps it and
/// resolves it at each occurrence.
/// </param>
public sealed record ReportParams(
    DateOnly? From = null, DateOnly? To = null, [property: Bounds(MaxLength = ReportParams.DepartmentLength)] string? Department = null,
    Guid? CourseId = null, ReportPeriod? Period = null)
{
    public const int DepartmentLength = 200;

    public static readonly ReportParams None = new(null, null, null, null);

    /// <summary>Both a period and a fixed day: the caller must choose one.</summary>
    [JsonIgnore]
    public bool HasPeriodAndRange => Period is not null && (From is not null || To is not null);

    /// <summary>The one validation of the parameters (requests and schedules): field → messages starting with their code.</summary>
    public void Validate(IDictionary<string, string[]> errors)
    {
        if (From is { } from && To is { } to && from > to)
        {
            errors["params.to"] = ["invalid_range: to is before from."];
        }
        if (Department is { Length: > DepartmentLength })
        {
            errors["params.department"] = [$"too_long: at most {DepartmentLength} characters."];
        }
        if (CourseId == Guid.Empty)
        {
            errors["params.course_id"] = ["invalid_course: not a course id."];
        }
    }

    /// <summary>
    /// These parameters with the period's days as of <paramref name="at"/> in <paramref name="zone"/> (the period kept, as
    /// a label); unchanged without a period.
    /// </summary>
    public ReportParams Resolve(DateTimeOffset at, TimeZoneInfo zone)
    {
        if (Period is not { } period)
        {
            return this;
        }
        var (from, to) = ReportPeriods.Days(period, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime));
        return this with { From = from, To = to };
    }

    internal static void Map(ComplexPropertyBuilder<ReportParams> builder)
    {
        builder.Property(p => p.From).HasColumnName("from_date");
        builder.Property(p => p.To).HasColumnName("to_date");
        builder.Property(p => p.Department).HasColumnName("department").HasMaxLength(DepartmentLength);
        builder.Property(p => p.CourseId).HasColumnName("course_id");
        builder.Property(p => p.Period).HasColumnName("period").HasMaxLength(32).HasConversion(
            p => p == null ? null : ReportPeriods.Name(p.Value),
            s => s == null ? null : ReportPeriods.Parse(s));
    }
}

/// <summary>The days of a <see cref="ReportPeriod"/>, and its wire names (also its stored value).</summary>
public static class ReportPeriods
{
    private static readonly Dictionary<ReportPeriod, string> Names = new()
    {
        [ReportPeriod.Last7Days] = "last_7_days",
        [ReportPeriod.Last30Days] = "last_30_days",
        [ReportPeriod.PreviousWeek] = "previous_week",
        [ReportPeriod.PreviousMonth] = "previous_month",
        [ReportPeriod.MonthToDate] = "month_to_date",
    };

    public static string Name(ReportPeriod period) => Names[period];

    public static ReportPeriod Parse(string name) => Names.First(n => n.Value == name).Key;

    /// <summary>The first and last day (both included) of <paramref name="period"/> when today is <paramref name="today"/>.</summary>
    public static (DateOnly From, DateOnly To) Days(ReportPeriod period, DateOnly today)
    {
        switch (period)
        {
            case ReportPeriod.Last7Days:
                return (today.AddDays(-7), today.AddDays(-1));
            case ReportPeriod.Last30Days:
                return (today.AddDays(-30), today.AddDays(-1));
            case ReportPeriod.PreviousWeek:
                // Weeks start on Monday (ISO 8601, as in Russia).
                var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
                return (monday.AddDays(-7), monday.AddDays(-1));
            case ReportPeriod.PreviousMonth:
                var first = new DateOnly(today.Year, today.Month, 1);
                return (first.AddMonths(-1), first.AddDays(-1));
            case ReportPeriod.MonthToDate:
                return (new DateOnly(today.Year, today.Month, 1), today);
            default:
                throw new ArgumentOutOfRangeException(nameof(period), period, null);
        }
    }
}
