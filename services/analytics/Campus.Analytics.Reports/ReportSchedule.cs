using Cronos;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Campus.Analytics.Reports;

/// <summary>
/// A report made again and again: a request's type, format and parameters, a 5-field cron expression read in an IANA
/// zone, and the users it is sent to besides its owner. The firing job turns each due occurrence into one
/// <see cref="ReportRequest"/> of the owner (unique per schedule and occurrence).
/// </summary>
public sealed class ReportSchedule
{
    public const int ReasonLength = 500;

    public Guid Id { get; set; }

    /// <summary>Who made it; the requests it fires are theirs.</summary>
    public Guid OwnerId { get; set; }

    /// <summary>The owner's label, e.g. «Прогресс отдела по понедельникам».</summary>
    public string? Name { get; set; }

    public string Type { get; set; } = "";
    public string Format { get; set; } = ReportFormats.Xlsx;
    /// <summary>
    /// A fixed range, or a period resolved at each occurrence in <see cref="TimeZone"/>; the department is always set for
    /// a manager's schedule (their own).
    /// </summary>
    public ReportParams Params { get; set; } = ReportParams.None;

    public string Locale { get; set; } = "ru";

    /// <summary>Five fields: minute hour day-of-month month day-of-week.</summary>
    public string Cron { get; set; } = "";

    /// <summary>IANA zone the cron expression is read in.</summary>
    public string TimeZone { get; set; } = ScheduleClock.DefaultZone;

    /// <summary>Users who get the report besides the owner (and may download it).</summary>
    public List<Guid> Recipients { get; set; } = [];

    /// <summary>The next occurrence to fire (UTC); null while paused.</summary>
    public DateTimeOffset? NextRunAt { get; set; }

    public DateTimeOffset? LastRunAt { get; set; }
    public bool Paused { get; set; }

    /// <summary>Why it paused itself (null when paused by its owner or running).</summary>
    public string? PausedReason { get; set; }

    /// <summary>Fired requests that failed in a row; a ready one resets it.</summary>
    public int ConsecutiveFailures { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ReportScheduleConfiguration : IEntityTypeConfiguration<ReportSchedule>
{
    public void Configure(EntityTypeBuilder<ReportSchedule> builder)
    {
        builder.ToTable("report_schedules", table =>
            table.HasCheckConstraint("ck_report_schedules_format", "format IN ('xlsx','pdf')"));
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Type).HasMaxLength(64);
        builder.Property(s => s.Format).HasMaxLength(8);
        builder.ComplexProperty(s => s.Params, ReportParams.Map);
        builder.Property(s => s.Locale).HasMaxLength(8);
        builder.Property(s => s.Cron).HasMaxLength(ScheduleClock.CronLength);
        builder.Property(s => s.TimeZone).HasMaxLength(64);
        builder.Property(s => s.Recipients).HasColumnType("uuid[]");
        builder.Property(s => s.PausedReason).HasMaxLength(ReportSchedule.ReasonLength);
        builder.HasIndex(s => new { s.OwnerId, s.CreatedAt });
        // The firing job: due, not paused.
        builder.HasIndex(s => s.NextRunAt).HasFilter("NOT paused");
    }
}

/// <summary>Cron expressions and zones of schedules (Cronos), the one place occurrences are computed.</summary>
public static class ScheduleClock
{
    public const string DefaultZone = "Europe/Moscow";
    public const int CronLength = 100;

    /// <summary>Parses a 5-field expression; false (with the reason) when it is not one.</summary>
    public static bool TryParse(string? text, out CronExpression expression, out string error)
    {
        expression = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(text) || text.Length > CronLength)
        {
            error = "a 5-field cron expression (minute hour day-of-month month day-of-week) is required.";
            return false;
        }
        if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            error = "exactly 5 fields: minute hour day-of-month month day-of-week.";
            return false;
        }
        try
        {
            expression = CronExpression.Parse(text.Trim(), CronFormat.Standard);
            return true;
        }
        catch (CronFormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/> in <paramref name="zone"/> (null: none ever).</summary>
    /// <remarks>
    /// Cronos reads the expression in local time: across a spring-forward gap an occurrence inside the gap fires at the
    /// gap's end, once; across a fall-back overlap a daily time fires once (the first of the two), an interval
    /// expression (<c>*/15 * * * *</c>) fires in both hours.
    /// </remarks>
    public static DateTimeOffset? Next(string cron, string zone, DateTimeOffset after)
    {
        var expression = CronExpression.Parse(cron, CronFormat.Standard);
        var next = expression.GetNextOccurrence(after.UtcDateTime, TimeZoneInfo.FindSystemTimeZoneById(zone), inclusive: false);
        return next is { } utc ? new DateTimeOffset(utc, TimeSpan.Zero) : null;
    }
}
