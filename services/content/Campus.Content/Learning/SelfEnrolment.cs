using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What enrolling in or leaving a course came to; the API maps it to a status and a problem code.</summary>
public abstract record SelfEnrolmentResult
{
    public sealed record Enrolled(EnrolmentResponse Enrolment) : SelfEnrolmentResult;
    /// <summary>The caller was enrolled before (by themselves or by an assignment): nothing changed.</summary>
    public sealed record AlreadyEnrolled(EnrolmentResponse Enrolment) : SelfEnrolmentResult;
    public sealed record Left : SelfEnrolmentResult;
    /// <summary>No such course, or the caller may not see it.</summary>
    public sealed record CourseNotFound : SelfEnrolmentResult;
    public sealed record NotPublished : SelfEnrolmentResult;
    /// <summary>The caller's enrolment comes from an assignment, which only its assigner withdraws.</summary>
    public sealed record Assigned : SelfEnrolmentResult;
    public sealed record NotEnrolled : SelfEnrolmentResult;
}

/// <summary>
/// A learner enrolling in a published course by themselves (idempotently) and leaving a course they enrolled in by
/// themselves; the enrolment and its event are written in one transaction. Progress is kept on leaving.
/// </summary>
public sealed class SelfEnrolment(ContentDbContext db, TimeProvider time)
{
    /// <summary>Enrols <paramref name="caller"/> in course <paramref name="id"/> (<c>content.enrolment.created</c> the first time).</summary>
    public async Task<SelfEnrolmentResult> EnrolAsync(Guid id, ClaimsPrincipal caller, CancellationToken ct)
    {
        var me = caller.UserId();
        var course = await db.Courses.AsNoTracking().Readable(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new SelfEnrolmentResult.CourseNotFound();
        }
        if (course.Status != CourseStatus.Published)
        {
            return new SelfEnrolmentResult.NotPublished();
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
        return inserted == 1 ? new SelfEnrolmentResult.Enrolled(response) : new SelfEnrolmentResult.AlreadyEnrolled(response);
    }

    /// <summary>Removes <paramref name="me"/>'s self enrolment in course <paramref name="id"/> (<c>content.enrolment.left</c>).</summary>
    public async Task<SelfEnrolmentResult> LeaveAsync(Guid id, Guid me, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var deleted = await db.Enrolments.Where(e => e.CourseId == id && e.UserId == me && e.Source == EnrolmentSource.Self).ExecuteDeleteAsync(ct);
        if (deleted == 1)
        {
            db.AddOutboxMessage(new EnrolmentLeft(id, me) { OccurredAt = time.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return new SelfEnrolmentResult.Left();
        }
        return await db.Enrolments.AnyAsync(e => e.CourseId == id && e.UserId == me, ct)
            ? new SelfEnrolmentResult.Assigned()
            : new SelfEnrolmentResult.NotEnrolled();
    }
}
