using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>
/// Progress of an enrolled learner: text, link and document materials are marked done; videos report heartbeats and are
/// done once enough of them was watched; a course is completed when every published material is done.
/// </summary>
public static class ProgressApi
{
    public static IEndpointRouteBuilder MapProgressApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/content").WithTags("Progress").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/materials/{id:guid}/complete", CompleteAsync)
            .WithName("CompleteMaterial")
            .WithSummary("Marks a text, link or document material done (idempotent); emits content.material.completed once, and content.course.completed with the last one.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/materials/{id:guid}/progress", HeartbeatAsync)
            .WithName("VideoHeartbeat")
            .WithSummary("A video player's heartbeat {position, duration} (seconds) (every 10–30 s, on play, pause and end): merges the watched intervals; done at the configured share of the duration.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapGet("/courses/{id:guid}/progress", CourseProgressAsync)
            .WithName("CourseProgress")
            .WithSummary("The caller's progress in a course they are enrolled in, per published material.");

        return routes;
    }

    public static async Task<Results<Ok<MaterialProgressResponse>, ProblemHttpResult>> CompleteAsync(
        Guid id, ClaimsPrincipal principal, MaterialCompletion completion, CancellationToken ct)
    {
        var result = await completion.CompleteAsync(id, principal.UserId(), ct);
        return result switch
        {
            MaterialCompletionResult.Completed completed => TypedResults.Ok(completed.Progress),
            MaterialCompletionResult.Refused refused => Refused(refused.Reason),
            MaterialCompletionResult.WatchRequired => Problems.Create(StatusCodes.Status409Conflict, "watch_required",
                "A video is done when enough of it was watched (heartbeats), not marked."),
            _ => throw new InvalidOperationException($"Unexpected completion result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<MaterialProgressResponse>, ProblemHttpResult>> HeartbeatAsync(
        Guid id, HeartbeatRequest request, ClaimsPrincipal principal, VideoHeartbeat heartbeat, CancellationToken ct)
    {
        var result = await heartbeat.RecordAsync(id, principal.UserId(), request, ct);
        return result switch
        {
            VideoHeartbeatResult.Recorded recorded => TypedResults.Ok(recorded.Progress),
            VideoHeartbeatResult.InvalidProgress invalid => Problems.InvalidFields(
                invalid.Fields.ToDictionary(field => field, field => new[] { $"{field} (seconds) is required." }), "invalid_progress",
                "position and duration (seconds) are required."),
            VideoHeartbeatResult.InvalidDuration => Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_duration",
                "duration must be above 0 and at most 24 h."),
            VideoHeartbeatResult.InvalidPosition { Duration: { } duration } => Problems.Create(StatusCodes.Status422UnprocessableEntity,
                "invalid_position", $"position is beyond the video's duration ({duration:0.#} s)."),
            VideoHeartbeatResult.InvalidPosition => Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_position",
                "position must be within 0..duration."),
            VideoHeartbeatResult.Refused refused => Refused(refused.Reason),
            VideoHeartbeatResult.NotAVideo => Problems.Create(StatusCodes.Status409Conflict, "not_a_video",
                "Heartbeats are for videos; mark other materials complete."),
            _ => throw new InvalidOperationException($"Unexpected heartbeat result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<CourseProgressResponse>, ProblemHttpResult>> CourseProgressAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        var now = time.GetUtcNow();
        if (!await db.Courses.Readable(principal).AnyAsync(c => c.Id == id, ct))
        {
            return CoursesApi.NotFound();
        }
        var row = await Progress.Rows(db, db.Enrolments.AsNoTracking().Where(e => e.CourseId == id && e.UserId == me)).SingleOrDefaultAsync(ct);
        if (row is null)
        {
            return EnrolmentsApi.NotEnrolled();
        }
        var materials = await (
            from m in Progress.Counted(db, id)
            join s in db.Sections on m.SectionId equals s.Id
            orderby s.Position, s.CreatedAt, m.Position, m.CreatedAt
            select new
            {
                m.Id, m.SectionId, m.Kind, m.Title,
                Progress = db.MaterialProgress.Where(p => p.UserId == me && p.MaterialId == m.Id)
                    .Select(p => new { p.CompletedAt, p.WatchedSeconds, p.DurationSeconds }).FirstOrDefault(),
            }).AsNoTracking().ToListAsync(ct);
        var zone = Enrolling.Zone(row.TimeZone);
        var response = Progress.Response(row, now);
        return TypedResults.Ok(new CourseProgressResponse(id, response.State, response.ProgressPercent, response.DoneMaterials,
            response.TotalMaterials, response.DueAt, response.CompletedAt,
            [.. materials.Select(m => new MaterialProgressResponse(m.Id, m.SectionId, m.Kind, m.Title, m.Progress?.CompletedAt is not null,
                Enrolling.InZone(m.Progress?.CompletedAt, zone),
                m.Kind == MaterialKind.Video ? Math.Round(m.Progress?.WatchedSeconds ?? 0, 3) : null,
                m.Kind == MaterialKind.Video ? m.Progress?.DurationSeconds : null,
                m.Kind == MaterialKind.Video && m.Progress?.DurationSeconds > 0
                    ? (int)Math.Min(100, Math.Floor(m.Progress.WatchedSeconds * 100 / m.Progress.DurationSeconds.Value)) : null))]));
    }

    private static ProblemHttpResult Refused(ProgressRefusal reason) => reason switch
    {
        ProgressRefusal.MaterialNotFound => Problems.Create(StatusCodes.Status404NotFound, "material_not_found",
            "No such material, or it is not published."),
        ProgressRefusal.CourseNotPublished => EnrolmentsApi.NotPublished(),
        ProgressRefusal.NotEnrolled => Problems.Create(StatusCodes.Status409Conflict, "not_enrolled", "Enrol in the course first."),
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
