using System.Security.Claims;
using Campus.Analytics.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Analytics.Reports;

/// <summary>The body of <c>POST /api/analytics/reports</c>.</summary>
/// <param name="Type">One of the six report types.</param>
/// <param name="Format"><c>xlsx</c> or <c>pdf</c>.</param>
/// <param name="Params">Optional filters; a period is resolved into its days in the requester's zone when the request is made.</param>
/// <param name="Locale"><c>ru</c> or <c>en</c>; default from <c>Accept-Language</c> (English only when it asks for it), else Russian.</param>
public sealed record CreateReportRequest(
    [property: OneOf(typeof(ReportCatalog), nameof(ReportCatalog.Types))] string? Type,
    [property: OneOf(typeof(ReportFormats), nameof(ReportFormats.All))] string? Format,
    ReportParams? Params = null,
    [property: OneOf(typeof(ReportsApi), nameof(ReportsApi.Locales))] string? Locale = null);

public sealed record ReportResponse(
    Guid Id, Guid UserId, Guid? ScheduleId,
    // Not an enum: a report keeps a type that was retired after it was requested.
    string Type,
    [property: OneOf(typeof(ReportFormats), nameof(ReportFormats.All))] string Format,
    ReportParams Params,
    [property: OneOf(typeof(ReportsApi), nameof(ReportsApi.Locales))] string Locale,
    string TimeZone,
    [property: OneOf(typeof(ReportStates), nameof(ReportStates.All))] string State,
    int Progress, int Attempts,
    string? FileName, long? SizeBytes, long? RowCount, bool Truncated, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? ExpiresAt, string? DownloadPath)
{
    public static ReportResponse From(ReportRequest r) => new(
        r.Id, r.UserId, r.ScheduleId, r.Type, r.Format, r.Params, r.Locale, r.TimeZone, r.State, r.Progress,
        r.Attempts, r.FileName, r.SizeBytes, r.RowCount, r.Truncated, r.Error, r.CreatedAt, r.StartedAt, r.FinishedAt, r.ExpiresAt,
        r.State == ReportStates.Ready ? ReportsApi.DownloadPath(r.Id) : null);
}

public sealed record ReportPage(IReadOnlyList<ReportResponse> Items, int Total, int Limit, int Offset);

public sealed record ReportDownload(Uri Url, DateTimeOffset ExpiresAt, string FileName);

/// <summary>
/// Report requests: create (202, queued through the outbox), status, my list, cancel, download (302 to a presigned GET
/// naming the file). Managers report on their own department only, admins on any; nobody else may request reports.
/// A request is visible to its requester and, for a scheduled one, to the schedule's recipients (404 for everyone else,
/// admins included: the file may hold another department's data); only the requester lists and cancels it.
/// </summary>
public static class ReportsApi
{
    public const int MaxPageSize = 100;

    public static string DownloadPath(Guid id) => $"/api/analytics/reports/{id}/download";

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        var reports = routes.MapGroup("/api/analytics/reports").WithTags("Reports").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        reports.MapPost("/", CreateAsync)
            .WithName("CreateReport")
            .WithSummary("Queues a report (managers: their department only; admins: any); 202 with the request and its Location.")
            .ProducesHeader(StatusCodes.Status202Accepted, "Location", "The URL of the report request; a GET answers its state.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        reports.MapGet("/", ListAsync)
            .WithName("ListReports")
            .WithSummary("The caller's report requests, newest first; limit 1..100.")
            .ProducesValidationProblem();

        reports.MapGet("/{id:guid}", GetAsync)
            .WithName("GetReport")
            .WithSummary("One of the caller's report requests (or one a schedule sent them): state, progress, file.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        reports.MapPost("/{id:guid}/cancel", CancelAsync)
            .WithName("CancelReport")
            .WithSummary("Cancels a queued or running request.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        reports.MapGet("/{id:guid}/download", DownloadAsync)
            .WithName("DownloadReport")
            .WithSummary("302 to a short-lived presigned GET that downloads the file under its name (redirect=false: the URL as JSON); 409 until ready, 410 once expired.")
            .Produces(StatusCodes.Status302Found)
            .ProducesHeader(StatusCodes.Status302Found, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesHeader(StatusCodes.Status200OK, "Cache-Control", "`no-store`: the URL is a credential with its own expiry.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        return routes;
    }

    public static async Task<Results<Accepted<ReportResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateReportRequest body, ClaimsPrincipal principal, AnalyticsDbContext db, HttpContext http, IOptions<ReportsOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        if (!principal.IsAdmin() && !principal.IsManager())
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "reports_forbidden", "Only managers and admins request reports.");
        }
        var errors = Validate(body);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The report request is not valid.",
                extensions: new Dictionary<string, object?> { ["code"] = "validation_failed" });
        }
        if (PeriodAndRange(body.Params) is { } conflict)
        {
            return conflict;
        }
        var me = principal.UserId();
        var (department, caller, problem) = await ResolveDepartmentAsync(db, principal, body.Params?.Department, ct);
        if (problem is not null)
        {
            return problem;
        }

        var settings = options.Value;
        var active = await db.Set<ReportRequest>().CountAsync(
            r => r.UserId == me && (r.State == ReportStates.Queued || r.State == ReportStates.Running), ct);
        if (active >= settings.MaxActivePerUser)
        {
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_reports",
                $"You already have {active} reports queued or running; wait for one to finish or cancel one.");
        }

        var zone = TimeZones.IsKnown(caller?.TimeZone) ? caller!.TimeZone! : settings.DefaultTimeZone;
        var now = time.GetUtcNow();
        var request = ReportRequest.Enqueue(db, new ReportRequest
        {
            UserId = me,
            Type = body.Type!,
            Format = body.Format!,
            Params = ((body.Params ?? ReportParams.None) with { Department = department }).Resolve(now, TimeZones.Find(zone, settings.DefaultTimeZone)),
            Locale = LocaleOf(body.Locale, http.Request.Headers.AcceptLanguage.ToString()),
            TimeZone = zone,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        return TypedResults.Accepted($"/api/analytics/reports/{request.Id}", ReportResponse.From(request));
    }

    /// <summary>
    /// The department a report of the caller covers (<see cref="DepartmentScope"/>): a manager's own, asked for or not
    /// (another one is 403 <c>department_forbidden</c>, none known 403 <c>department_unknown</c>), an admin's choice
    /// (null: everyone).
    /// </summary>
    internal static async Task<(string? Department, DepartmentScope.Caller? Caller, ProblemHttpResult? Problem)> ResolveDepartmentAsync(
        AnalyticsDbContext db, ClaimsPrincipal principal, string? asked, CancellationToken ct)
    {
        var (department, caller, refusal) = await DepartmentScope.ResolveAsync(db, principal, asked, ct);
        return refusal switch
        {
            DepartmentScope.Refusal.NoDepartment => (null, caller, DepartmentUnknown()),
            DepartmentScope.Refusal.OtherDepartment => (null, caller, DepartmentForbidden(caller!.Department)),
            _ => (department, caller, null),
        };
    }

    /// <summary>The refusal of a manager whose profile names no department.</summary>
    internal static ProblemHttpResult DepartmentUnknown() => Problems.Create(StatusCodes.Status403Forbidden, "department_unknown",
        "Your profile names no department, so there is nothing you may report on.");

    /// <summary>The refusal of a manager who asked for a department other than their <paramref name="own"/>.</summary>
    internal static ProblemHttpResult DepartmentForbidden(string? own) => Problems.Create(StatusCodes.Status403Forbidden, "department_forbidden",
        "Managers report on their own department only.", $"Your department is '{own}'.");

    /// <summary>The languages a report is written in.</summary>
    public static IReadOnlyList<string> Locales { get; } = ["ru", "en"];

    internal static Dictionary<string, string[]> Validate(CreateReportRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (ReportCatalog.Find(body.Type) is null)
        {
            errors["type"] = [$"unknown_type: one of {string.Join(", ", ReportCatalog.Types)}."];
        }
        if (body.Format is null || !ReportFormats.All.Contains(body.Format))
        {
            errors["format"] = ["unknown_format: xlsx or pdf."];
        }
        if (body.Locale is not null && !Locales.Contains(body.Locale))
        {
            errors["locale"] = ["invalid_locale: ru or en."];
        }
        body.Params?.Validate(errors);
        return errors;
    }

    /// <summary>422 <c>period_and_range</c> when the parameters name both a period and a fixed day; null otherwise.</summary>
    internal static ProblemHttpResult? PeriodAndRange(ReportParams? parameters) =>
        parameters is { HasPeriodAndRange: true } ? PeriodAndRangeConflict() : null;

    /// <summary>The refusal of filters that give both a period and from/to.</summary>
    internal static ProblemHttpResult PeriodAndRangeConflict() => Problems.Create(StatusCodes.Status422UnprocessableEntity, "period_and_range",
        "Give either a period or from/to, not both.", "A period's days are computed when the report is made.");

    /// <summary>The body's locale, else English when <c>Accept-Language</c> prefers it, else Russian.</summary>
    internal static string LocaleOf(string? locale, string acceptLanguage)
    {
        if (locale is "ru" or "en")
        {
            return locale;
        }
        var first = acceptLanguage.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return first.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "ru";
    }

    public static async Task<Results<Ok<ReportPage>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, AnalyticsDbContext db, CancellationToken ct, [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var mine = Mine(db, principal);
        var items = await mine.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new ReportPage([.. items.Select(ReportResponse.From)], await mine.CountAsync(ct), limit, offset));
    }

    public static async Task<Results<Ok<ReportResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, CancellationToken ct)
    {
        var request = await Visible(db, principal).FirstOrDefaultAsync(r => r.Id == id, ct);
        return request is null ? NotFound() : TypedResults.Ok(ReportResponse.From(request));
    }

    public static async Task<Results<Ok<ReportResponse>, ProblemHttpResult>> CancelAsync(
        Guid id, ClaimsPrincipal principal, AnalyticsDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var request = await db.LockRequestAsync(id, ct);
        if (request is null || request.UserId != me)
        {
            return NotFound();
        }
        if (request.State is not (ReportStates.Queued or ReportStates.Running))
        {
            return Problems.Create(StatusCodes.Status409Conflict, "report_finished", "The request has finished and cannot be canceled.",
                $"Its state is {request.State}.");
        }
        // A running worker sees this at its next heartbeat, stops and aborts its upload.
        request.State = ReportStates.Canceled;
        request.FinishedAt = time.GetUtcNow();
        request.LeaseUntil = null;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(ReportResponse.From(request));
    }

    public static async Task<Results<RedirectHttpResult, Ok<ReportDownload>, ProblemHttpResult>> DownloadAsync(
        Guid id, ClaimsPrincipal principal, ReportDownloading downloading, HttpContext http, CancellationToken ct, bool redirect = true)
    {
        var result = await downloading.DownloadAsync(id, principal, ct);
        switch (result)
        {
            case ReportDownloadResult.Ready ready:
                http.Response.Headers.CacheControl = "no-store";
                return redirect ? TypedResults.Redirect(ready.Download.Url.AbsoluteUri) : TypedResults.Ok(ready.Download);
            case ReportDownloadResult.NotFound:
                return NotFound();
            case ReportDownloadResult.Expired:
                return Problems.Create(StatusCodes.Status410Gone, "report_expired", "The report's file was deleted after its retention period; request it again.");
            case ReportDownloadResult.NotReady notReady:
                return Problems.Create(StatusCodes.Status409Conflict, "report_not_ready", "The report is not ready.", $"Its state is {notReady.State}.");
            default:
                throw new InvalidOperationException($"Unexpected report download result {result.GetType().Name}.");
        }
    }

    private static IQueryable<ReportRequest> Mine(AnalyticsDbContext db, ClaimsPrincipal principal)
    {
        var me = principal.UserId();
        return db.Set<ReportRequest>().AsNoTracking().Where(r => r.UserId == me);
    }

    /// <summary>Requests the caller may read and download: theirs, and those a schedule sent them.</summary>
    internal static IQueryable<ReportRequest> Visible(AnalyticsDbContext db, ClaimsPrincipal principal)
    {
        var me = principal.UserId();
        return db.Set<ReportRequest>().AsNoTracking().Where(r => r.UserId == me || r.Recipients.Contains(me));
    }

    private static ProblemHttpResult NotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "report_not_found", "No such report request of yours.");
}
