using System.Security.Claims;
using Campus.Analytics.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Reports;

/// <summary>The body of <c>POST /api/analytics/schedules</c> and <c>PUT /api/analytics/schedules/{id}</c> (a full replacement).</summary>
/// <param name="Name">Optional label, at most 200 characters.</param>
/// <param name="Type">A report type, as for a request.</param>
/// <param name="Format"><c>xlsx</c> or <c>pdf</c>.</param>
/// <param name="Params">The report's filters, as for a request; a period is resolved at each occurrence in the schedule's zone.</param>
/// <param name="Locale"><c>ru</c> or <c>en</c>; default from <c>Accept-Language</c>, else Russian.</param>
/// <param name="Cron">Five fields: minute hour day-of-month month day-of-week, e.g. <c>0 8 * * 1</c>.</param>
/// <param name="TimeZone">IANA zone the expression is read in; default Europe/Moscow.</param>
/// <param name="Recipients">User ids who get the report besides the owner (a manager's: their department only).</param>
/// <param name="Paused">True: kept but not fired; false on a paused schedule resumes it.</param>
public sealed record ScheduleRequest(
    [property: OneOf(typeof(ReportCatalog), nameof(ReportCatalog.Types))] string? Type,
    [property: OneOf(typeof(ReportFormats), nameof(ReportFormats.All))] string? Format,
    [property: Bounds(MaxLength = ScheduleRequest.CronLength)] string? Cron,
    [property: Bounds(MaxLength = ScheduleRequest.NameLength)] string? Name = null,
    ReportParams? Params = null,
    [property: OneOf(typeof(ReportsApi), nameof(ReportsApi.Locales))] string? Locale = null,
    [property: Bounds(MaxLength = ScheduleRequest.TimeZoneLength)] string? TimeZone = null,
    [property: Bounds(MaxItems = ScheduleRequest.MaxRecipients)] IReadOnlyList<Guid>? Recipients = null,
    bool? Paused = null)
{
    public const int NameLength = 200;
    public const int CronLength = 100;
    /// <summary>The longest IANA zone id taken (the longest known has 30 characters).</summary>
    public const int TimeZoneLength = 64;
    /// <summary>Recipients one schedule may list.</summary>
    public const int MaxRecipients = 50;
}

public sealed record ScheduleResponse(
    Guid Id, Guid OwnerId, string? Name,
    // Not an enum: a schedule (or a report) keeps a type that was retired after it was made.
    string Type,
    [property: OneOf(typeof(ReportFormats), nameof(ReportFormats.All))] string Format,
    ReportParams Params,
    [property: OneOf(typeof(ReportsApi), nameof(ReportsApi.Locales))] string Locale,
    string Cron, string TimeZone,
    IReadOnlyList<Guid> Recipients, bool Paused, string? PausedReason, int ConsecutiveFailures, DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ScheduleResponse From(ReportSchedule s) => new(
        s.Id, s.OwnerId, s.Name, s.Type, s.Format, s.Params, s.Locale, s.Cron,
        s.TimeZone, s.Recipients, s.Paused, s.PausedReason, s.ConsecutiveFailures, s.NextRunAt, s.LastRunAt, s.CreatedAt, s.UpdatedAt);
}

public sealed record SchedulePage(IReadOnlyList<ScheduleResponse> Items, int Total, int Limit, int Offset);

/// <summary>
/// Report schedules: managers and admins only. A manager sees and changes their own schedules; an admin may also list
/// (<c>?all=true</c>), read, pause, resume and delete anyone's, but only the owner replaces one (its department and
/// recipients are checked against the owner's scope). The report worker fires them (<c>ScheduleFirer</c>).
/// </summary>
public static class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder routes)
    {
        var schedules = routes.MapGroup("/api/analytics/schedules").WithTags("Schedules").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        schedules.MapPost("/", CreateAsync)
            .WithName("CreateSchedule")
            .WithSummary("Creates a report schedule (cron + IANA zone, recipients); 201 with its Location.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        schedules.MapGet("/", ListAsync)
            .WithName("ListSchedules")
            .WithSummary("The caller's schedules, newest first (admins: all=true for everyone's); limit 1..100.")
            .ProducesValidationProblem();

        schedules.MapGet("/{id:guid}", GetAsync)
            .WithName("GetSchedule")
            .WithSummary("One schedule: its report, cron, zone, recipients, next run, paused and why.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        schedules.MapPut("/{id:guid}", ReplaceAsync)
            .WithName("ReplaceSchedule")
            .WithSummary("Replaces the caller's schedule (paused=false resumes it); the next run is computed again.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        schedules.MapPost("/{id:guid}/pause", PauseAsync)
            .WithName("PauseSchedule")
            .WithSummary("Pauses a schedule (owner or admin).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        schedules.MapPost("/{id:guid}/resume", ResumeAsync)
            .WithName("ResumeSchedule")
            .WithSummary("Resumes a paused schedule from its next occurrence after now, with its failure count reset (owner or admin).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        schedules.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteSchedule")
            .WithSummary("Deletes a schedule (owner or admin); the reports it made stay.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Results<Created<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ScheduleRequest body, ClaimsPrincipal principal, ScheduleEditing editing, HttpContext http, CancellationToken ct)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        var result = await editing.CreateAsync(principal, body, http.Request.Headers.AcceptLanguage.ToString(), ct);
        return result switch
        {
            ScheduleEditingResult.Saved saved => TypedResults.Created($"/api/analytics/schedules/{saved.Schedule.Id}", saved.Schedule),
            ScheduleEditingResult.Invalid invalid => Invalid(invalid),
            ScheduleEditingResult.TooManySchedules tooMany => Problems.Create(StatusCodes.Status409Conflict, "too_many_schedules",
                $"You have {tooMany.Owned} schedules, the most one may own; delete one first."),
            _ => Refusal(result),
        };
    }

    public static async Task<Results<Ok<SchedulePage>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, AnalyticsDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0, bool all = false)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        if (all && !principal.IsAdmin())
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "schedules_all_forbidden", "Only admins list everyone's schedules.");
        }
        var me = principal.UserId();
        var query = db.Set<ReportSchedule>().AsNoTracking().Where(s => all || s.OwnerId == me);
        var items = await query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new SchedulePage([.. items.Select(ScheduleResponse.From)], await query.CountAsync(ct), limit, offset));
    }

    public static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, CancellationToken ct)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        var schedule = await db.Set<ReportSchedule>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        return schedule is null || !ScheduleEditing.MaySee(principal, schedule) ? NotFound() : TypedResults.Ok(ScheduleResponse.From(schedule));
    }

    public static async Task<Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        Guid id, ScheduleRequest body, ClaimsPrincipal principal, ScheduleEditing editing, HttpContext http, CancellationToken ct)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        var result = await editing.ReplaceAsync(id, principal, body, http.Request.Headers.AcceptLanguage.ToString(), ct);
        return result switch
        {
            ScheduleEditingResult.Saved saved => TypedResults.Ok(saved.Schedule),
            ScheduleEditingResult.Invalid invalid => Invalid(invalid),
            ScheduleEditingResult.NotFound => NotFound(),
            ScheduleEditingResult.NotOwner => Problems.Create(StatusCodes.Status403Forbidden, "schedule_not_owner",
                "Only the schedule's owner replaces it (its department and recipients are the owner's); admins may pause, resume or delete it."),
            _ => Refusal(result),
        };
    }

    public static Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> PauseAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, principal, db, time, paused: true, ct);

    public static Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> ResumeAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, principal, db, time, paused: false, ct);

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, CancellationToken ct)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var schedule = await ScheduleEditing.LockAsync(db, id, ct);
        if (schedule is null || !ScheduleEditing.MaySee(principal, schedule))
        {
            return NotFound();
        }
        db.Remove(schedule);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> ChangeAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, TimeProvider time, bool paused, CancellationToken ct)
    {
        if (Forbidden(principal) is { } forbidden)
        {
            return forbidden;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var schedule = await ScheduleEditing.LockAsync(db, id, ct);
        if (schedule is null || !ScheduleEditing.MaySee(principal, schedule))
        {
            return NotFound();
        }
        ScheduleEditing.SetPaused(schedule, paused, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(ScheduleResponse.From(schedule));
    }

    private static ValidationProblem Invalid(ScheduleEditingResult.Invalid invalid) =>
        TypedResults.ValidationProblem(invalid.Errors, title: "The schedule is not valid.",
            extensions: new Dictionary<string, object?> { ["code"] = "validation_failed" });

    // The refusals creating and replacing share: the report's filters and the owner's scope.
    private static ProblemHttpResult Refusal(ScheduleEditingResult result) => result switch
    {
        ScheduleEditingResult.PeriodAndRange => ReportsApi.PeriodAndRangeConflict(),
        ScheduleEditingResult.DepartmentUnknown => ReportsApi.DepartmentUnknown(),
        ScheduleEditingResult.DepartmentForbidden forbidden => ReportsApi.DepartmentForbidden(forbidden.Own),
        ScheduleEditingResult.RecipientOutsideDepartment outsider => Problems.Create(StatusCodes.Status403Forbidden,
            "recipient_outside_department", "Managers send reports to users of their own department only.",
            $"User {outsider.UserId} is not in '{outsider.Department}'."),
        _ => throw new InvalidOperationException($"Unexpected schedule editing result {result.GetType().Name}."),
    };

    private static ProblemHttpResult? Forbidden(ClaimsPrincipal principal) =>
        principal.IsAdmin() || principal.IsManager()
            ? null
            : Problems.Create(StatusCodes.Status403Forbidden, "schedules_forbidden", "Only managers and admins schedule reports.");

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "schedule_not_found", "No such schedule of yours.");
}
