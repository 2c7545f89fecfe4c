using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>
/// Enrolments: a learner enrols in a published course and leaves it (self enrolments only); admins, and managers within
/// their department, assign courses to users or departments with a due date; everyone reads their learning.
/// </summary>
public static class EnrolmentsApi
{
    public static IEndpointRouteBuilder MapEnrolmentsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/content").WithTags("Enrolments").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapPost("/courses/{id:guid}/enrolment", EnrolAsync)
            .WithName("Enrol")
            .WithSummary("Enrols the caller in a published course (idempotent: 200 with the enrolment when already enrolled); emits content.enrolment.created.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDelete("/courses/{id:guid}/enrolment", LeaveAsync)
            .WithName("LeaveCourse")
            .WithSummary("Leaves a course the caller enrolled in by themselves; an assigned course cannot be left (409 assigned_enrolment). Progress is kept.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var assign = api.MapGroup("").RequireAuthorization(Policies.AssignLearners)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        assign.MapPost("/courses/{id:guid}/assignments", AssignAsync)
            .WithName("AssignCourse")
            .WithSummary("Assigns a published course to user_ids (at most 1,000) or a department, with an optional due date (admins; managers within their department). Idempotent; a new due date changes existing assignments.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        assign.MapDelete("/courses/{id:guid}/assignments/users/{user_id:guid}", WithdrawUserAsync)
            .WithName("WithdrawUserAssignment")
            .WithSummary("Withdraws a user's assignment: the assigned enrolment goes (unless another assignment still covers them), progress stays; emits content.enrolment.withdrawn.");

        assign.MapDelete("/courses/{id:guid}/assignments/departments/{department}", WithdrawDepartmentAsync)
            .WithName("WithdrawDepartmentAssignment")
            .WithSummary("Withdraws a department's assignment: the assigned enrolments of its current members go (unless a personal assignment covers them), progress stays.");

        api.MapGet("/me/learning", MyLearningAsync)
            .WithName("MyLearning")
            .WithSummary("The caller's enrolments with state, progress and due date: overdue first, then by due date, then newest.")
            .ProducesValidationProblem();

        api.MapGet("/courses/{id:guid}/enrolments", ListEnrolmentsAsync)
            .WithName("ListEnrolments")
            .WithSummary("Learners of a course with their progress, paged (the course's author and admins: all; managers: their department's). state filters.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Results<Created<EnrolmentResponse>, Ok<EnrolmentResponse>, ProblemHttpResult>> EnrolAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        var course = await db.Courses.AsNoTracking().Readable(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        if (course.Status != CourseStatus.Published)
        {
            return NotPublished();
        }
        var now = time.GetUtcNow();
        var source = EnumText.Name(EnrolmentSource.Self);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO enrolments (id, course_id, user_id, source, created_at, updated_at)
            VALUES ({Guid.CreateVersion7()}, {id}, {me}, {source}, {now}, {now})
            ON CONFLICT (course_id, user_id) DO NOTHING
            """, ct);
        if (inserted == 1)
        {
            db.AddOutboxMessage(new EnrolmentCreated(id, course.Title, me, source, null, null) { OccurredAt = now });
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        var row = await Progress.Rows(db, db.Enrolments.Where(e => e.CourseId == id && e.UserId == me)).SingleAsync(ct);
        var response = Progress.Response(row, now);
        return inserted == 1 ? TypedResults.Created($"/api/content/courses/{id}/progress", response) : TypedResults.Ok(response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var deleted = await db.Enrolments.Where(e => e.CourseId == id && e.UserId == me && e.Source == EnrolmentSource.Self).ExecuteDeleteAsync(ct);
        if (deleted == 1)
        {
            db.AddOutboxMessage(new EnrolmentLeft(id, me) { OccurredAt = time.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return TypedResults.NoContent();
        }
        return await db.Enrolments.AnyAsync(e => e.CourseId == id && e.UserId == me, ct)
            ? Problems.Create(StatusCodes.Status409Conflict, "assigned_enrolment", "An assigned course cannot be left.",
                "Ask whoever assigned it to withdraw the assignment.")
            : NotEnrolled();
    }

    public static async Task<Results<Ok<AssignmentResult>, ProblemHttpResult>> AssignAsync(
        Guid id, AssignmentRequest request, ClaimsPrincipal principal, CourseAssignment assignment, CancellationToken ct)
    {
        var result = await assignment.AssignAsync(id, request, principal, ct);
        return result switch
        {
            CourseAssignmentResult.Assigned assigned => TypedResults.Ok(assigned.Summary),
            CourseAssignmentResult.Invalid invalid => Problems.Create(StatusCodes.Status400BadRequest, invalid.Code, invalid.Title),
            CourseAssignmentResult.DueInPast => Problems.Create(StatusCodes.Status422UnprocessableEntity, "due_in_past", "The due date has already passed."),
            CourseAssignmentResult.CourseNotFound => CoursesApi.NotFound(),
            CourseAssignmentResult.NotPublished => NotPublished(),
            CourseAssignmentResult.NoDepartment => NoDepartment(),
            CourseAssignmentResult.UnknownUsers unknown => Problem(StatusCodes.Status422UnprocessableEntity, "unknown_users",
                "Some users are unknown to content (no profile event yet).", unknown.UserIds),
            CourseAssignmentResult.OutsideDepartment { UserIds: { } outside } => Problem(StatusCodes.Status403Forbidden,
                "outside_department", "Some users are not in your department.", outside),
            CourseAssignmentResult.OutsideDepartment => Problems.Create(StatusCodes.Status403Forbidden, "outside_department",
                "A manager assigns only within their own department."),
            _ => throw new InvalidOperationException($"Unexpected course assignment result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> WithdrawUserAsync(
        Guid id, [FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        if (!principal.IsAdmin())
        {
            var managed = await ManagedDepartmentAsync(db, me, ct);
            if (managed is null)
            {
                return NoDepartment();
            }
            if (!await db.Learners.AnyAsync(l => l.UserId == userId && l.Department == managed, ct))
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "outside_department", "The user is not in your department.");
            }
        }
        var course = await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var removed = await db.Assignments.Where(a => a.CourseId == id && a.UserId == userId).ExecuteDeleteAsync(ct);
        var withdrawn = await WithdrawEnrolmentsAsync(db, course, [userId], me, now, ct);
        if (removed == 0 && withdrawn == 0)
        {
            return AssignmentNotFound();
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> WithdrawDepartmentAsync(
        Guid id, string department, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        if (!principal.IsAdmin())
        {
            var managed = await ManagedDepartmentAsync(db, me, ct);
            if (managed is null)
            {
                return NoDepartment();
            }
            if (managed != department)
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "outside_department", "A manager withdraws only their own department's assignments.");
            }
        }
        var course = await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Assignments.Where(a => a.CourseId == id && a.Department == department).ExecuteDeleteAsync(ct) == 0)
        {
            return AssignmentNotFound();
        }
        var members = await db.Learners.Where(l => l.Department == department).Select(l => l.UserId).ToListAsync(ct);
        await WithdrawEnrolmentsAsync(db, course, members, me, now, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<LearningList>, ProblemHttpResult>> MyLearningAsync(
        ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct, int limit = Paging.DefaultLimit, int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        var me = principal.UserId();
        var now = time.GetUtcNow();
        var rows = await Progress.Rows(db, db.Enrolments.AsNoTracking().Where(e => e.UserId == me)).ToListAsync(ct);
        var items = rows.Select(r => Progress.Response(r, now))
            .OrderBy(r => r.State == LearningState.Overdue ? 0 : 1)
            .ThenBy(r => r.DueAt is null ? 1 : 0).ThenBy(r => r.DueAt)
            .ThenByDescending(r => r.EnrolledAt).ThenBy(r => r.CourseId)
            .ToList();
        return TypedResults.Ok(new LearningList([.. items.Skip(offset).Take(limit)], items.Count, limit, offset));
    }

    /// <summary>The learning states an enrolment list filters on, as on the wire.</summary>
    public static IReadOnlyList<string> States { get; } = [.. Enum.GetValues<LearningState>().Select(s => EnumText.Name(s))];

    public static async Task<Results<Ok<EnrolmentPage>, ProblemHttpResult>> ListEnrolmentsAsync(
        Guid id, ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct,
        [OneOf(typeof(EnrolmentsApi), nameof(States))] string? state = null, int limit = Paging.DefaultLimit, int offset = 0)
    {
        if (Paging.Check(limit, offset) is { } invalidPage)
        {
            return invalidPage;
        }
        LearningState? wanted = null;
        if (state is not null)
        {
            if (!Enum.GetValues<LearningState>().Any(s => EnumText.Name(s) == state))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "invalid_state", "Unknown state.", "state is not_started, in_progress, completed or overdue.");
            }
            wanted = EnumText.Parse<LearningState>(state);
        }
        var course = await db.Courses.AsNoTracking().Readable(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return CoursesApi.NotFound();
        }
        var me = principal.UserId();
        var enrolments = db.Enrolments.AsNoTracking().Where(e => e.CourseId == id);
        if (!principal.Manages(course))
        {
            var managed = principal.IsManager() ? await ManagedDepartmentAsync(db, me, ct) : null;
            if (managed is null)
            {
                return principal.IsManager()
                    ? NoDepartment()
                    : Problems.Create(StatusCodes.Status403Forbidden, "forbidden", "Only the course's author, managers and admins see its learners.");
            }
            enrolments = enrolments.Where(e => db.Learners.Any(l => l.UserId == e.UserId && l.Department == managed));
        }
        var now = time.GetUtcNow();
        var rows = Progress.Rows(db, enrolments);
        if (wanted is { } only)
        {
            rows = rows.InState(only, now);
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderBy(r => r.EnrolledAt).ThenBy(r => r.UserId).Skip(offset).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new EnrolmentPage([.. page.Select(r => Progress.Response(r, now))], total, limit, offset));
    }

    /// <summary>The department a manager manages: their own, as content learned it from profile; null when none.</summary>
    internal static Task<string?> ManagedDepartmentAsync(ContentDbContext db, Guid me, CancellationToken ct) =>
        db.Learners.Where(l => l.UserId == me).Select(l => l.Department).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Removes the assigned enrolments of <paramref name="userIds"/> in the course that no remaining assignment covers
    /// (a personal one, or one of the learner's current department) and publishes <c>content.enrolment.withdrawn</c>
    /// for each. Self enrolments stay; progress rows are never touched.
    /// </summary>
    private static async Task<int> WithdrawEnrolmentsAsync(
        ContentDbContext db, Course course, IReadOnlyCollection<Guid> userIds, Guid by, DateTimeOffset now, CancellationToken ct)
    {
        var gone = await db.Enrolments
            .Where(e => e.CourseId == course.Id && userIds.Contains(e.UserId) && e.Source == EnrolmentSource.Assigned)
            .Where(e => !db.Assignments.Any(a => a.CourseId == course.Id && (a.UserId == e.UserId
                || db.Learners.Any(l => l.UserId == e.UserId && l.Department != null && l.Department == a.Department))))
            .Select(e => e.UserId).ToListAsync(ct);
        if (gone.Count == 0)
        {
            return 0;
        }
        await db.Enrolments.Where(e => e.CourseId == course.Id && gone.Contains(e.UserId) && e.Source == EnrolmentSource.Assigned).ExecuteDeleteAsync(ct);
        foreach (var userId in gone)
        {
            db.AddOutboxMessage(new AssignmentWithdrawn(course.Id, course.Title, userId, by) { OccurredAt = now });
        }
        return gone.Count;
    }

    private static ProblemHttpResult Problem(int status, string code, string title, IReadOnlyList<Guid> userIds) =>
        TypedResults.Problem(statusCode: status, title: title, detail: $"{userIds.Count} user id(s): see user_ids.",
            extensions: new Dictionary<string, object?> { ["code"] = code, ["user_ids"] = userIds });

    internal static ProblemHttpResult NotPublished() =>
        Problems.Create(StatusCodes.Status409Conflict, "course_not_published", "The course is not published.");

    internal static ProblemHttpResult NotEnrolled() =>
        Problems.Create(StatusCodes.Status404NotFound, "not_enrolled", "You are not enrolled in this course.");

    private static ProblemHttpResult NoDepartment() =>
        Problems.Create(StatusCodes.Status403Forbidden, "no_department", "A manager without a department manages no one.");

    private static ProblemHttpResult AssignmentNotFound() =>
        Problems.Create(StatusCodes.Status404NotFound, "assignment_not_found", "No such assignment.");
}
