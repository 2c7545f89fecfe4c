using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
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
            .ProducesValidationProblem()
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
        Guid id, ClaimsPrincipal principal, SelfEnrolment enrolment, CancellationToken ct)
    {
        var result = await enrolment.EnrolAsync(id, principal, ct);
        return result switch
        {
            SelfEnrolmentResult.Enrolled enrolled => TypedResults.Created($"/api/content/courses/{id}/progress", enrolled.Enrolment),
            SelfEnrolmentResult.AlreadyEnrolled already => TypedResults.Ok(already.Enrolment),
            SelfEnrolmentResult.CourseNotFound => CoursesApi.NotFound(),
            SelfEnrolmentResult.NotPublished => NotPublished(),
            _ => throw new InvalidOperationException($"Unexpected enrolment result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(
        Guid id, ClaimsPrincipal principal, SelfEnrolment enrolment, CancellationToken ct)
    {
        var result = await enrolment.LeaveAsync(id, principal.UserId(), ct);
        return result switch
        {
            SelfEnrolmentResult.Left => TypedResults.NoContent(),
            SelfEnrolmentResult.Assigned => Problems.Create(StatusCodes.Status409Conflict, "assigned_enrolment",
                "An assigned course cannot be left.", "Ask whoever assigned it to withdraw the assignment."),
            SelfEnrolmentResult.NotEnrolled => NotEnrolled(),
            _ => throw new InvalidOperationException($"Unexpected enrolment result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<AssignmentResult>, ProblemHttpResult>> AssignAsync(
        Guid id, AssignmentRequest request, ClaimsPrincipal principal, CourseAssignment assignment, CancellationToken ct)
    {
        var result = await assignment.AssignAsync(id, request, principal, ct);
        return result switch
        {
            CourseAssignmentResult.Assigned assigned => TypedResults.Ok(assigned.Summary),
            CourseAssignmentResult.Invalid invalid => Problems.InvalidFields(
                invalid.Fields.ToDictionary(field => field, _ => new[] { invalid.Message }), invalid.Code, invalid.Message),
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
        Guid id, [FromRoute(Name = "user_id")] Guid userId, ClaimsPrincipal principal, AssignmentWithdrawal withdrawal, CancellationToken ct) =>
        Map(await withdrawal.WithdrawUserAsync(id, userId, principal.UserId(), principal.IsAdmin(), ct), "The user is not in your department.");

    public static async Task<Results<NoContent, ProblemHttpResult>> WithdrawDepartmentAsync(
        Guid id, [Bounds(MaxLength = Learner.DepartmentLength)] string department, ClaimsPrincipal principal,
        AssignmentWithdrawal withdrawal, CancellationToken ct) =>
        department.Length > Learner.DepartmentLength
            ? Problems.InvalidField("department", $"A department has at most {Learner.DepartmentLength} characters.")
            : Map(await withdrawal.WithdrawDepartmentAsync(id, department, principal.UserId(), principal.IsAdmin(), ct),
                "A manager withdraws only their own department's assignments.");

    private static Results<NoContent, ProblemHttpResult> Map(AssignmentWithdrawalResult result, string outsideDepartment) => result switch
    {
        AssignmentWithdrawalResult.Withdrawn => TypedResults.NoContent(),
        AssignmentWithdrawalResult.NoDepartment => NoDepartment(),
        AssignmentWithdrawalResult.OutsideDepartment => Problems.Create(StatusCodes.Status403Forbidden, "outside_department", outsideDepartment),
        AssignmentWithdrawalResult.CourseNotFound => CoursesApi.NotFound(),
        AssignmentWithdrawalResult.AssignmentNotFound => Problems.Create(StatusCodes.Status404NotFound, "assignment_not_found", "No such assignment."),
        _ => throw new InvalidOperationException($"Unexpected withdrawal result {result.GetType().Name}."),
    };

    public static async Task<Results<Ok<LearningList>, ProblemHttpResult>> MyLearningAsync(
        ClaimsPrincipal principal, ContentDbContext db, TimeProvider time, CancellationToken ct,
        [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
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
        Guid id, ClaimsPrincipal principal, EnrolmentListing listing, CancellationToken ct,
        [OneOf(typeof(EnrolmentsApi), nameof(States))] string? state = null,
        [Bounds(1, Paging.MaxLimit)] int limit = Paging.DefaultLimit,
        [Bounds(0, Paging.MaxOffset)] int offset = 0)
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
                return Problems.InvalidField("state", $"state is one of: {string.Join(", ", States)}.", "invalid_state");
            }
            wanted = EnumText.Parse<LearningState>(state);
        }
        var result = await listing.ListAsync(id, principal, wanted, limit, offset, ct);
        return result switch
        {
            EnrolmentListingResult.Listed listed => TypedResults.Ok(listed.Page),
            EnrolmentListingResult.CourseNotFound => CoursesApi.NotFound(),
            EnrolmentListingResult.NoDepartment => NoDepartment(),
            EnrolmentListingResult.Forbidden => Problems.Create(StatusCodes.Status403Forbidden, "forbidden",
                "Only the course's author, managers and admins see its learners."),
            _ => throw new InvalidOperationException($"Unexpected enrolment listing result {result.GetType().Name}."),
        };
    }

    /// <summary>The department a manager manages: their own, as content learned it from profile; null when none.</summary>
    internal static Task<string?> ManagedDepartmentAsync(ContentDbContext db, Guid me, CancellationToken ct) =>
        db.Learners.Where(l => l.UserId == me).Select(l => l.Department).FirstOrDefaultAsync(ct);

    private static ProblemHttpResult Problem(int status, string code, string title, IReadOnlyList<Guid> userIds) =>
        TypedResults.Problem(statusCode: status, title: title, detail: $"{userIds.Count} user id(s): see user_ids.",
            extensions: new Dictionary<string, object?> { ["code"] = code, ["user_ids"] = userIds });

    internal static ProblemHttpResult NotPublished() =>
        Problems.Create(StatusCodes.Status409Conflict, "course_not_published", "The course is not published.");

    internal static ProblemHttpResult NotEnrolled() =>
        Problems.Create(StatusCodes.Status404NotFound, "not_enrolled", "You are not enrolled in this course.");

    private static ProblemHttpResult NoDepartment() =>
        Problems.Create(StatusCodes.Status403Forbidden, "no_department", "A manager without a department manages no one.");
}
