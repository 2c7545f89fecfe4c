using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What withdrawing an assignment came to; the API maps it to a status and a problem code.</summary>
public abstract record AssignmentWithdrawalResult
{
    public sealed record Withdrawn : AssignmentWithdrawalResult;
    /// <summary>The caller is a manager without a department.</summary>
    public sealed record NoDepartment : AssignmentWithdrawalResult;
    /// <summary>A manager named a user or a department outside their own.</summary>
    public sealed record OutsideDepartment : AssignmentWithdrawalResult;
    public sealed record CourseNotFound : AssignmentWithdrawalResult;
    public sealed record AssignmentNotFound : AssignmentWithdrawalResult;
}

/// <summary>
/// Withdrawing a user's or a department's assignment of a course (admins; managers within their own department): the
/// assignment goes, and so do the assigned enrolments no remaining assignment covers, each with
/// <c>content.enrolment.withdrawn</c>, in one transaction. Self enrolments and progress stay.
/// </summary>
public sealed class AssignmentWithdrawal(ContentDbContext db, TimeProvider time)
{
    /// <param name="id">The course.</param>
    /// <param name="userId">The user whose personal assignment goes.</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (withdraws anyone's; managers only their department's).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<AssignmentWithdrawalResult> WithdrawUserAsync(Guid id, Guid userId, Guid me, bool isAdmin, CancellationToken ct)
    {
        if (!isAdmin)
        {
            var managed = await EnrolmentsApi.ManagedDepartmentAsync(db, me, ct);
            if (managed is null)
            {
                return new AssignmentWithdrawalResult.NoDepartment();
            }
            if (!await db.Learners.AnyAsync(l => l.UserId == userId && l.Department == managed, ct))
            {
                return new AssignmentWithdrawalResult.OutsideDepartment();
            }
        }
        var course = await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new AssignmentWithdrawalResult.CourseNotFound();
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var removed = await db.Assignments.Where(a => a.CourseId == id && a.UserId == userId).ExecuteDeleteAsync(ct);
        var withdrawn = await WithdrawEnrolmentsAsync(course, [userId], me, now, ct);
        if (removed == 0 && withdrawn == 0)
        {
            return new AssignmentWithdrawalResult.AssignmentNotFound();
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new AssignmentWithdrawalResult.Withdrawn();
    }

    /// <param name="id">The course.</param>
    /// <param name="department">The department whose assignment goes.</param>
    /// <param name="me">The caller.</param>
    /// <param name="isAdmin">The caller is an admin (withdraws any department's; managers only their own).</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<AssignmentWithdrawalResult> WithdrawDepartmentAsync(Guid id, string department, Guid me, bool isAdmin, CancellationToken ct)
    {
        if (!isAdmin)
        {
            var managed = await EnrolmentsApi.ManagedDepartmentAsync(db, me, ct);
            if (managed is null)
            {
                return new AssignmentWithdrawalResult.NoDepartment();
            }
            if (managed != department)
            {
                return new AssignmentWithdrawalResult.OutsideDepartment();
            }
        }
        var course = await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new AssignmentWithdrawalResult.CourseNotFound();
        }
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Assignments.Where(a => a.CourseId == id && a.Department == department).ExecuteDeleteAsync(ct) == 0)
        {
            return new AssignmentWithdrawalResult.AssignmentNotFound();
        }
        var members = await db.Learners.Where(l => l.Department == department).Select(l => l.UserId).ToListAsync(ct);
        await WithdrawEnrolmentsAsync(course, members, me, now, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new AssignmentWithdrawalResult.Withdrawn();
    }

    /// <summary>
    /// Removes the assigned enrolments of <paramref name="userIds"/> in the course that no remaining assignment covers
    /// (a personal one, or one of the learner's current department) and publishes <c>content.enrolment.withdrawn</c>
    /// for each. Self enrolments stay; progress rows are never touched.
    /// </summary>
    private async Task<int> WithdrawEnrolmentsAsync(Course course, IReadOnlyCollection<Guid> userIds, Guid by, DateTimeOffset now, CancellationToken ct)
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
}
