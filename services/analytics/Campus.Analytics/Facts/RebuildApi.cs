using System.Security.Claims;
using Campus.Analytics.Data;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

public sealed record RebuildResponse(Guid RebuildId);

/// <summary>
/// <c>POST /api/analytics/admin/rebuild</c> (admins): empties the fact tables and <c>processed_events</c> and publishes
/// <c>analytics.rebuild.requested</c> through the outbox, in one transaction; the owners answer with snapshot events that
/// refill the facts.
/// </summary>
public static class RebuildApi
{
    /// <summary>Every table fed by events (the report tables are not facts and stay).</summary>
    public const string FactTables =
        "users, courses, materials, media, enrolments, material_completions, activity_daily, notification_deliveries, processed_events";

    public static IEndpointRouteBuilder MapRebuildApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/analytics/admin/rebuild", RebuildAsync)
            .WithTags("Analytics administration")
            .RequireAuthorization()
            .WithName("RebuildFacts")
            .WithSummary("Empties analytics' facts and asks auth, profile, content, notifications and chat to re-publish their current state (admins).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return routes;
    }

    public static async Task<Results<Accepted<RebuildResponse>, ProblemHttpResult>> RebuildAsync(
        ClaimsPrincipal principal, AnalyticsDbContext db, TimeProvider time, ILoggerFactory logs, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "admin_required", "Only an admin rebuilds the analytics facts.");
        }
        var rebuild = new RebuildRequested(Guid.CreateVersion7()) { OccurredAt = time.GetUtcNow() };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync($"TRUNCATE {FactTables}", ct);
        db.AddOutboxMessage(rebuild);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logs.CreateLogger(typeof(RebuildApi)).LogWarning("Analytics facts emptied by {UserId}; rebuild {RebuildId} requested", principal.UserId(), rebuild.RebuildId);
        return TypedResults.Accepted((string?)null, new RebuildResponse(rebuild.RebuildId));
    }
}
