using System.Globalization;
using System.Security.Claims;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// The learning dashboard: admins see everyone or one department, managers their own department (as analytics knows
/// it from profile events), nobody else anything. Every figure is aggregated in PostgreSQL from the fact tables.
/// </summary>
public static class DashboardApi
{
    /// <summary>The period when none is given: the last 30 days.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);

    /// <summary>The longest period one request may cover.</summary>
    public const int MaxPeriodDays = 366;

    /// <summary>The longest department name (profile's limit).</summary>
    public const int MaxDepartmentLength = 200;

    /// <summary>The longest <c>from</c> or <c>to</c> taken (an instant with fractions and offset has 33 characters).</summary>
    public const int MaxDateLength = 64;

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/analytics").WithTags("Dashboard").RequireAuthorization()
            .MapGet("/dashboard", GetAsync)
            .WithName("GetDashboard")
            .WithSummary("Learning figures of a period (from, to: ISO dates or instants with their offset; default the last 30 days, at most 366) for everyone or a department (admins), or the caller's department (managers).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return routes;
    }

    public static async Task<Results<Ok<DashboardResponse>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal principal, DashboardReading reading, CancellationToken ct,
        [Bounds(MaxLength = MaxDateLength)] string? from = null, [Bounds(MaxLength = MaxDateLength)] string? to = null,
        [Bounds(MaxLength = MaxDepartmentLength)] string? department = null)
    {
        if (!principal.IsAdmin() && !principal.IsManager())
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "dashboard_forbidden", "Only managers and admins see the dashboard.");
        }
        var result = await reading.ReadAsync(principal, from, to, department, ct);
        return result switch
        {
            DashboardReadingResult.Figures figures => TypedResults.Ok(figures.Dashboard),
            DashboardReadingResult.InvalidDate invalid => Problems.InvalidFields(invalid.Fields.ToDictionary(field => field, field => new[]
                {
                    $"{field} is a date (YYYY-MM-DD, UTC days; to is included) or an instant with its offset (2026-12-01T09:00:00+03:00).",
                }), "invalid_date", "from and to are dates or instants with their offsets."),
            DashboardReadingResult.InvalidPeriod => Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_period", "from is after to."),
            DashboardReadingResult.PeriodTooLong => Problems.Create(StatusCodes.Status422UnprocessableEntity, "period_too_long",
                $"A period covers at most {MaxPeriodDays} days."),
            DashboardReadingResult.InvalidDepartment => Problems.InvalidField("department",
                $"A department has at most {MaxDepartmentLength} characters.", "invalid_department"),
            DashboardReadingResult.NoDepartment => Problems.Create(StatusCodes.Status403Forbidden, "no_department",
                "A manager without a department manages no one.", "Analytics knows your department once your profile names one."),
            DashboardReadingResult.OutsideDepartment => Problems.Create(StatusCodes.Status403Forbidden, "outside_department",
                "A manager sees only their own department."),
            _ => throw new InvalidOperationException($"Unexpected dashboard result {result.GetType().Name}."),
        };
    }
}

/// <summary>
/// A period [<see cref="From"/>, <see cref="To"/>) and its UTC days. A date as <c>from</c> starts at its UTC midnight,
/// as <c>to</c> it is included (the period ends at the next UTC midnight); an instant needs its offset.
/// </summary>
public sealed record Period(DateTimeOffset From, DateTimeOffset To)
{
    // Far enough from DateTimeOffset's ends that the default period and the day after a date stay in range.
    private const int MinYear = 1900;
    private const int MaxYear = 9000;

    /// <summary>The first UTC day of the period.</summary>
    public DateOnly FirstDay => DateOnly.FromDateTime(From.UtcDateTime);

    /// <summary>The last UTC day of the period (the one holding its last instant).</summary>
    public DateOnly LastDay => DateOnly.FromDateTime((To > From ? To.AddTicks(-1) : To).UtcDateTime);

    /// <summary>The period asked for, or null when <paramref name="from"/> or <paramref name="to"/> cannot be read.</summary>
    public static Period? Parse(string? from, string? to, DateTimeOffset now)
    {
        DateTimeOffset? end = null, start = null;
        if (!string.IsNullOrWhiteSpace(to))
        {
            end = Read(to.Trim(), endOfDay: true);
            if (end is null)
            {
                return null;
            }
        }
        if (!string.IsNullOrWhiteSpace(from))
        {
            start = Read(from.Trim(), endOfDay: false);
            if (start is null)
            {
                return null;
            }
        }
        var last = end ?? now;
        return new Period(start ?? last - DashboardApi.DefaultPeriod, last);
    }

    /// <summary>Whether <paramref name="text"/> is absent or reads as a date or an instant (what <see cref="Parse"/> needs of each bound).</summary>
    public static bool IsReadable(string? text, bool endOfDay) => string.IsNullOrWhiteSpace(text) || Read(text.Trim(), endOfDay) is not null;

    private static DateTimeOffset? Read(string text, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            if (date.Year is < MinYear or > MaxYear)
            {
                return null;
            }
            var midnight = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? midnight.AddDays(1) : midnight;
        }
        // An instant needs its offset (Z or ±hh:mm): a bare local time would be ambiguous.
        if (text.Length > 10 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            && at.Year is >= MinYear and <= MaxYear)
        {
            return at.ToUniversalTime();
        }
        return null;
    }
}
