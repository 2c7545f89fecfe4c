using System.Globalization;
using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What assigning a course came to; the API maps it to a status and a problem code.</summary>
public abstract record CourseAssignmentResult
{
    public sealed record Assigned(AssignmentResult Summary) : CourseAssignmentResult;
    /// <summary>
    /// The request is malformed: <paramref name="Code"/> says how, <paramref name="Message"/> is the field error of each of
    /// <paramref name="Fields"/> (the request's wire names; both of a pair that must not be given together).
    /// </summary>
    public sealed record Invalid(string Code, string Message, params string[] Fields) : CourseAssignmentResult;
    public sealed record DueInPast : CourseAssignmentResult;
    /// <summary>No such course, or the caller may not see it.</summary>
    public sealed record CourseNotFound : CourseAssignmentResult;
    public sealed record NotPublished : CourseAssignmentResult;
    /// <summary>The caller is a manager without a department.</summary>
    public sealed record NoDepartment : CourseAssignmentResult;
    /// <summary>Users content has no profile event of yet.</summary>
    public sealed record UnknownUsers(IReadOnlyList<Guid> UserIds) : CourseAssignmentResult;
    /// <summary>A manager named another department, or (<paramref name="UserIds"/>) users outside their own.</summary>
    public sealed record OutsideDepartment(IReadOnlyList<Guid>? UserIds = null) : CourseAssignmentResult;
}

/// <summary>
/// Assigning a published course to users or a department with an optional due date (admins; managers within their own
/// department): the assignment rules are upserted and every learner they cover is enrolled, or has their due date
/// changed, with the events in the same transaction. A learner who joins a department later is enrolled by its
/// assignments the same way, keeping a due date they already have.
/// </summary>
public sealed class CourseAssignment(ContentDbContext db, TimeProvider time)
{
    /// <param name="courseId">The course.</param>
    /// <param name="request">The request as sent.</param>
    /// <param name="caller">Who assigns: an admin, or a manager (within their department).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<CourseAssignmentResult> AssignAsync(Guid courseId, AssignmentRequest request, ClaimsPrincipal caller, CancellationToken ct)
    {
        var userIds = request.UserIds?.Distinct().ToArray() ?? [];
        var department = string.IsNullOrWhiteSpace(request.Department) ? null : request.Department.Trim();
        if ((userIds.Length > 0) == (department is not null))
        {
            return new CourseAssignmentResult.Invalid("invalid_assignment", "Give either user_ids or a department.", "user_ids", "department");
        }
        if (request.UserIds?.Length > AssignmentRequest.MaxUsers)
        {
            return new CourseAssignmentResult.Invalid("too_many_users", $"At most {AssignmentRequest.MaxUsers} user ids at once.", "user_ids");
        }
        if (request.Department?.Length > Learner.DepartmentLength)
        {
            return new CourseAssignmentResult.Invalid("invalid_assignment", $"A department has at most {Learner.DepartmentLength} characters.", "department");
        }
        var now = time.GetUtcNow();
        if (ParseDue(request, now) is not { } due)
        {
            return new CourseAssignmentResult.Invalid("invalid_due_at",
                $"due_at is an instant with its offset or a date (YYYY-MM-DD); due_in_days is {AssignmentRequest.MinDueInDays}..{AssignmentRequest.MaxDueInDays}; not both.", DueFields(request));
        }
        if (due.Past)
        {
            return new CourseAssignmentResult.DueInPast();
        }
        var course = await db.Courses.AsNoTracking().Readable(caller).FirstOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null)
        {
            return new CourseAssignmentResult.CourseNotFound();
        }
        if (course.Status != CourseStatus.Published)
        {
            return new CourseAssignmentResult.NotPublished();
        }
        var me = caller.UserId();
        string? managed = null;
        if (!caller.IsAdmin())
        {
            managed = await EnrolmentsApi.ManagedDepartmentAsync(db, me, ct);
            if (managed is null)
            {
                return new CourseAssignmentResult.NoDepartment();
            }
        }
        var learners = userIds.Length > 0
            ? await db.Learners.AsNoTracking().Where(l => userIds.Contains(l.UserId)).ToListAsync(ct)
            : await db.Learners.AsNoTracking().Where(l => l.Department == department).ToListAsync(ct);
        if (userIds.Length > 0)
        {
            var unknown = userIds.Except(learners.Select(l => l.UserId)).ToArray();
            if (unknown.Length > 0)
            {
                return new CourseAssignmentResult.UnknownUsers(unknown);
            }
        }
        if (managed is not null)
        {
            if (department is not null && department != managed)
            {
                return new CourseAssignmentResult.OutsideDepartment();
            }
            var outside = learners.Where(l => l.Department != managed).Select(l => l.UserId).ToArray();
            if (outside.Length > 0)
            {
                return new CourseAssignmentResult.OutsideDepartment(outside);
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var targets = new List<(Learner Learner, Assignment Rule, DateTimeOffset Since)>();
        if (department is not null)
        {
            var rule = await UpsertAssignmentAsync(courseId, null, department, due, me, now, ct);
            // Members already there count due_in_days from the assignment; later joiners from joining.
            targets.AddRange(learners.Select(l => (l, rule, now)));
        }
        else
        {
            foreach (var learner in learners)
            {
                targets.Add((learner, await UpsertAssignmentAsync(courseId, learner.UserId, null, due, me, now, ct), now));
            }
        }
        int created = 0, changed = 0, unchanged = 0;
        foreach (var (learner, rule, since) in targets)
        {
            var dueAt = Enrolling.DueFor(rule, Enrolling.Zone(learner.TimeZone), since);
            switch (await EnrolAsync(new Placement(course, learner.UserId, dueAt, me, KeepDue: false), now, ct))
            {
                case Outcome.Created: created++; break;
                case Outcome.DueChanged: changed++; break;
                default: unchanged++; break;
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new CourseAssignmentResult.Assigned(new AssignmentResult(courseId, targets.Count, created, changed, unchanged));
    }

    /// <summary>
    /// Enrols <paramref name="userId"/>, who joined <paramref name="department"/> at <paramref name="joinedAt"/>, by the
    /// department's assignments (due_in_days counted from joining); a learner already assigned keeps their due date. In
    /// the caller's transaction, at the caller's <paramref name="now"/>: the caller saves and commits.
    /// </summary>
    public async Task EnrolJoinerAsync(Guid userId, string department, string? timeZone, DateTimeOffset joinedAt, DateTimeOffset now,
        CancellationToken ct)
    {
        var assignments = await (
            from a in db.Assignments.AsNoTracking()
            join c in db.Courses.AsNoTracking() on a.CourseId equals c.Id
            where a.Department == department
            select new { Assignment = a, Course = c }).ToListAsync(ct);
        foreach (var (assignment, course) in assignments.Select(x => (x.Assignment, x.Course)))
        {
            var dueAt = Enrolling.DueFor(assignment, Enrolling.Zone(timeZone), joinedAt);
            await EnrolAsync(new Placement(course, userId, dueAt, assignment.AssignedBy, KeepDue: true), now, ct);
        }
    }

    /// <summary>One learner enrolled by an assignment; <see cref="KeepDue"/>: a learner already assigned keeps their due date.</summary>
    private sealed record Placement(Course Course, Guid UserId, DateTimeOffset? DueAt, Guid AssignedBy, bool KeepDue);

    /// <summary>What an assignment did to one learner's enrolment.</summary>
    private enum Outcome
    {
        Created,
        Unchanged,
        DueChanged,
    }

    /// <summary>
    /// Makes the learner enrolled by an assignment: creates the enrolment (<c>content.enrolment.created</c>, source
    /// assigned), turns a self enrolment into an assigned one (the same event: the learner is now assigned), or changes
    /// the due date (<c>content.enrolment.due_changed</c>; not with <see cref="Placement.KeepDue"/>). The caller saves and
    /// commits (the outbox rows go with the enrolment).
    /// </summary>
    private async Task<Outcome> EnrolAsync(Placement placement, DateTimeOffset now, CancellationToken ct)
    {
        var (course, userId, dueAt, assignedBy, keepDue) = placement;
        var id = Guid.CreateVersion7();
        var source = EnumText.Name(EnrolmentSource.Assigned);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO enrolments (id, course_id, user_id, source, assigned_by, due_at, created_at, updated_at)
            VALUES ({id}, {course.Id}, {userId}, {source}, {assignedBy}, {dueAt}, {now}, {now})
            ON CONFLICT (course_id, user_id) DO NOTHING
            """, ct);
        if (inserted == 1)
        {
            db.AddOutboxMessage(new EnrolmentCreated(course.Id, course.Title, userId, source, dueAt, assignedBy) { OccurredAt = now });
            return Outcome.Created;
        }
        var existing = await db.Enrolments
            .FromSql($"SELECT * FROM enrolments WHERE course_id = {course.Id} AND user_id = {userId} FOR UPDATE")
            .SingleAsync(ct);
        if (existing.Source == EnrolmentSource.Self)
        {
            existing.Source = EnrolmentSource.Assigned;
            existing.AssignedBy = assignedBy;
            existing.DueAt = dueAt;
            existing.UpdatedAt = now;
            db.AddOutboxMessage(new EnrolmentCreated(course.Id, course.Title, userId, source, dueAt, assignedBy) { OccurredAt = now });
            return Outcome.Created;
        }
        if (existing.DueAt == dueAt || keepDue)
        {
            return Outcome.Unchanged;
        }
        existing.DueAt = dueAt;
        existing.UpdatedAt = now;
        db.AddOutboxMessage(new DueDateChanged(course.Id, course.Title, userId, dueAt) { OccurredAt = now });
        return Outcome.DueChanged;
    }

    private async Task<Assignment> UpsertAssignmentAsync(
        Guid courseId, Guid? userId, string? department, DueRule due, Guid by, DateTimeOffset now, CancellationToken ct)
    {
        var newId = Guid.CreateVersion7();
        if (userId is not null)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO assignments (id, course_id, user_id, due_at, due_date, due_in_days, assigned_by, created_at, updated_at)
                VALUES ({newId}, {courseId}, {userId}, {due.At}, {due.Date}, {due.Days}, {by}, {now}, {now})
                ON CONFLICT (course_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET due_at = EXCLUDED.due_at,
                    due_date = EXCLUDED.due_date, due_in_days = EXCLUDED.due_in_days, assigned_by = EXCLUDED.assigned_by, updated_at = EXCLUDED.updated_at
                """, ct);
        }
        else
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO assignments (id, course_id, department, due_at, due_date, due_in_days, assigned_by, created_at, updated_at)
                VALUES ({newId}, {courseId}, {department}, {due.At}, {due.Date}, {due.Days}, {by}, {now}, {now})
                ON CONFLICT (course_id, department) WHERE department IS NOT NULL DO UPDATE SET due_at = EXCLUDED.due_at,
                    due_date = EXCLUDED.due_date, due_in_days = EXCLUDED.due_in_days, assigned_by = EXCLUDED.assigned_by, updated_at = EXCLUDED.updated_at
                """, ct);
        }
        return new Assignment { CourseId = courseId, UserId = userId, Department = department, DueAt = due.At, DueDate = due.Date, DueInDays = due.Days, AssignedBy = by };
    }

    private sealed record DueRule(DateTimeOffset? At, DateOnly? Date, int? Days, bool Past);

    // The fields a refused due date is about: both when both were given, else the one that was.
    private static string[] DueFields(AssignmentRequest request) =>
        (string.IsNullOrWhiteSpace(request.DueAt), request.DueInDays is null) switch
        {
            (false, false) => ["due_at", "due_in_days"],
            (true, false) => ["due_in_days"],
            _ => ["due_at"],
        };

    private static DueRule? ParseDue(AssignmentRequest request, DateTimeOffset now)
    {
        var text = request.DueAt?.Trim();
        if ((!string.IsNullOrEmpty(text) && request.DueInDays is not null) || request.DueAt?.Length > AssignmentRequest.DueAtLength)
        {
            return null;
        }
        if (request.DueInDays is { } days)
        {
            return days is >= AssignmentRequest.MinDueInDays and <= AssignmentRequest.MaxDueInDays ? new DueRule(null, null, days, false) : null;
        }
        if (string.IsNullOrEmpty(text))
        {
            return new DueRule(null, null, null, false);
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            // A day is past once it has ended everywhere (UTC-12): a learner far east may then get an overdue enrolment.
            var endEverywhere = new DateTimeOffset(date.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.FromHours(-12));
            return new DueRule(null, date, null, endEverywhere < now);
        }
        // An instant needs its offset (Z or ±hh:mm): a bare local time would be ambiguous.
        if (text.Length > 10 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            var utc = at.ToUniversalTime();
            return new DueRule(utc, null, null, utc <= now);
        }
        return null;
    }
}
