using System.Security.Claims;
using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Reports;

/// <summary>What creating or replacing a schedule came to; the API maps it to a status and a problem code.</summary>
public abstract record ScheduleEditingResult
{
    /// <summary>The schedule as saved.</summary>
    public sealed record Saved(ScheduleResponse Schedule) : ScheduleEditingResult;
    /// <summary>Fields of the body are wrong: their wire names and what is wrong with each.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : ScheduleEditingResult;
    /// <summary>The report's filters give both a period and from/to.</summary>
    public sealed record PeriodAndRange : ScheduleEditingResult;
    /// <summary>The manager's profile names no department, so there is nothing they may report on.</summary>
    public sealed record DepartmentUnknown : ScheduleEditingResult;
    /// <summary>The manager asked for a department other than <paramref name="Own"/>.</summary>
    public sealed record DepartmentForbidden(string? Own) : ScheduleEditingResult;
    /// <summary>A manager named recipient <paramref name="UserId"/>, who is not in <paramref name="Department"/>.</summary>
    public sealed record RecipientOutsideDepartment(Guid UserId, string? Department) : ScheduleEditingResult;
    /// <summary>The caller owns <paramref name="Owned"/> schedules already, the most one may.</summary>
    public sealed record TooManySchedules(int Owned) : ScheduleEditingResult;
    /// <summary>No such schedule the caller may see.</summary>
    public sealed record NotFound : ScheduleEditingResult;
    /// <summary>An admin tried to replace another user's schedule.</summary>
    public sealed record NotOwner : ScheduleEditingResult;
}

/// <summary>
/// Creating and replacing report schedules of managers and admins (the caller checked the role): the body is validated
/// like a report request, the department and recipients against the owner's scope, and the next run is computed in the
/// schedule's zone. A replacement holds the schedule's row lock: a firing skips the schedule meanwhile, a pause waits.
/// </summary>
public sealed class ScheduleEditing(AnalyticsDbContext db, IOptions<SchedulesOptions> options, TimeProvider time)
{
    private SchedulesOptions Options => options.Value;

    /// <summary>Creates a schedule of the caller.</summary>
    /// <param name="principal">The caller, a manager or an admin.</param>
    /// <param name="body">The request as sent.</param>
    /// <param name="acceptLanguage">The request's <c>Accept-Language</c>, for the locale when the body names none.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<ScheduleEditingResult> CreateAsync(ClaimsPrincipal principal, ScheduleRequest body, string acceptLanguage, CancellationToken ct)
    {
        var me = principal.UserId();
        var schedule = new ReportSchedule { Id = Guid.CreateVersion7(), OwnerId = me, CreatedAt = time.GetUtcNow() };
        if (await ApplyAsync(schedule, body, principal, acceptLanguage, ct) is { } refused)
        {
            return refused;
        }
        var owned = await db.Set<ReportSchedule>().CountAsync(s => s.OwnerId == me, ct);
        if (owned >= Options.MaxPerUser)
        {
            return new ScheduleEditingResult.TooManySchedules(owned);
        }
        db.Add(schedule);
        await db.SaveChangesAsync(ct);
        return new ScheduleEditingResult.Saved(ScheduleResponse.From(schedule));
    }

    /// <summary>Replaces the caller's schedule <paramref name="id"/> with <paramref name="body"/>.</summary>
    /// <param name="id">The schedule.</param>
    /// <param name="principal">The caller, a manager or an admin.</param>
    /// <param name="body">The request as sent.</param>
    /// <param name="acceptLanguage">The request's <c>Accept-Language</c>, for the locale when the body names none.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<ScheduleEditingResult> ReplaceAsync(Guid id, ClaimsPrincipal principal, ScheduleRequest body, string acceptLanguage,
        CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var schedule = await LockAsync(db, id, ct);
        if (schedule is null || !MaySee(principal, schedule))
        {
            return new ScheduleEditingResult.NotFound();
        }
        if (schedule.OwnerId != principal.UserId())
        {
            return new ScheduleEditingResult.NotOwner();
        }
        if (await ApplyAsync(schedule, body, principal, acceptLanguage, ct) is { } refused)
        {
            return refused;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new ScheduleEditingResult.Saved(ScheduleResponse.From(schedule));
    }

    /// <summary>
    /// Pausing clears the next run; resuming (only when paused: resuming a running schedule changes nothing) clears the
    /// reason and the failure count and fires from the next occurrence after now, not the ones missed while paused.
    /// </summary>
    internal static void SetPaused(ReportSchedule schedule, bool paused, DateTimeOffset now)
    {
        if (paused == schedule.Paused)
        {
            return;
        }
        schedule.Paused = paused;
        schedule.PausedReason = null;
        schedule.ConsecutiveFailures = 0;
        schedule.NextRunAt = paused ? null : ScheduleClock.Next(schedule.Cron, schedule.TimeZone, now);
        schedule.UpdatedAt = now;
    }

    /// <summary>The owner sees their schedules, an admin everyone's.</summary>
    internal static bool MaySee(ClaimsPrincipal principal, ReportSchedule schedule) =>
        schedule.OwnerId == principal.UserId() || principal.IsAdmin();

    /// <summary>The schedule, its row locked until the caller's transaction ends; null if there is none.</summary>
    internal static async Task<ReportSchedule?> LockAsync(AnalyticsDbContext db, Guid id, CancellationToken ct) =>
        (await db.LockSchedulesAsync($"SELECT id AS \"Value\" FROM report_schedules WHERE id = {id} FOR UPDATE", ct)).FirstOrDefault();

    /// <summary>Validates the body against the caller's scope and writes it into <paramref name="schedule"/>; the refusal otherwise.</summary>
    private async Task<ScheduleEditingResult?> ApplyAsync(
        ReportSchedule schedule, ScheduleRequest body, ClaimsPrincipal principal, string acceptLanguage, CancellationToken ct)
    {
        // The report part is validated exactly as a request is.
        var errors = ReportsApi.Validate(new CreateReportRequest(body.Type, body.Format, body.Params, body.Locale));
        if (body.Name is { Length: > ScheduleRequest.NameLength })
        {
            errors["name"] = [$"too_long: at most {ScheduleRequest.NameLength} characters."];
        }
        if (body.Cron is { Length: > ScheduleRequest.CronLength })
        {
            errors["cron"] = [$"invalid_cron: at most {ScheduleRequest.CronLength} characters."];
        }
        else if (!ScheduleClock.TryParse(body.Cron, out _, out var cronError))
        {
            errors["cron"] = [$"invalid_cron: {cronError}"];
        }
        var zone = string.IsNullOrWhiteSpace(body.TimeZone) ? ScheduleClock.DefaultZone : body.TimeZone.Trim();
        if (body.TimeZone is { Length: > ScheduleRequest.TimeZoneLength } || !TimeZones.IsKnown(zone))
        {
            errors["time_zone"] = ["unknown_time_zone: an IANA zone such as Europe/Moscow."];
        }
        var now = time.GetUtcNow();
        if (!errors.ContainsKey("cron") && !errors.ContainsKey("time_zone") && ScheduleClock.Next(body.Cron!.Trim(), zone, now) is null)
        {
            errors["cron"] = ["invalid_cron: the expression never occurs."];
        }
        var recipients = (body.Recipients ?? []).Distinct().Where(r => r != schedule.OwnerId).ToList();
        if (body.Recipients?.Count > ScheduleRequest.MaxRecipients)
        {
            errors["recipients"] = [$"too_many_recipients: at most {ScheduleRequest.MaxRecipients}."];
        }
        var known = await db.Users.AsNoTracking().Where(u => recipients.Contains(u.UserId))
            .Select(u => new { u.UserId, u.Department }).ToListAsync(ct);
        var unknown = recipients.Except(known.Select(u => u.UserId)).ToList();
        if (unknown.Count > 0 && !errors.ContainsKey("recipients"))
        {
            errors["recipients"] = [$"unknown_recipient: no such user: {string.Join(", ", unknown)}."];
        }
        if (errors.Count > 0)
        {
            return new ScheduleEditingResult.Invalid(errors);
        }

        if (body.Params is { HasPeriodAndRange: true })
        {
            return new ScheduleEditingResult.PeriodAndRange();
        }

        // The scope is the request's: a manager's own department, an admin's choice; a manager sends to colleagues only.
        var (department, caller, refusal) = await DepartmentScope.ResolveAsync(db, principal, body.Params?.Department, ct);
        switch (refusal)
        {
            case DepartmentScope.Refusal.NoDepartment:
                return new ScheduleEditingResult.DepartmentUnknown();
            case DepartmentScope.Refusal.OtherDepartment:
                return new ScheduleEditingResult.DepartmentForbidden(caller!.Department);
        }
        if (!principal.IsAdmin() && known.FirstOrDefault(u => !string.Equals(u.Department, department, StringComparison.Ordinal)) is { } outsider)
        {
            return new ScheduleEditingResult.RecipientOutsideDepartment(outsider.UserId, department);
        }

        schedule.Name = string.IsNullOrWhiteSpace(body.Name) ? null : body.Name.Trim();
        schedule.Type = body.Type!;
        schedule.Format = body.Format!;
        schedule.Params = (body.Params ?? ReportParams.None) with { Department = department };
        schedule.Locale = ReportsApi.LocaleOf(body.Locale, acceptLanguage);
        schedule.Cron = body.Cron!.Trim();
        schedule.TimeZone = zone;
        schedule.Recipients = recipients;
        schedule.UpdatedAt = now;
        if (body.Paused is { } paused && paused != schedule.Paused)
        {
            SetPaused(schedule, paused, now);
        }
        else if (!schedule.Paused)
        {
            // A new expression or zone: the next run follows it from now on.
            schedule.NextRunAt = ScheduleClock.Next(schedule.Cron, schedule.TimeZone, now);
        }
        return null;
    }
}
