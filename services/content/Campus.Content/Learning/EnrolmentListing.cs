using System.Security.Claims;
using Campus.Content.Courses;
using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What listing a course's learners came to; the API maps it to a status and a problem code.</summary>
public abstract record EnrolmentListingResult
{
    /// <summary>The page of learners with their progress.</summary>
    public sealed record Listed(EnrolmentPage Page) : EnrolmentListingResult;
    /// <summary>No such course the caller may see.</summary>
    public sealed record CourseNotFound : EnrolmentListingResult;
    /// <summary>The caller is a manager without a department, who manages no one.</summary>
    public sealed record NoDepartment : EnrolmentListingResult;
    /// <summary>The caller is neither the course's author, a manager nor an admin.</summary>
    public sealed record Forbidden : EnrolmentListingResult;
}

/// <summary>
/// A course's learners with their progress, in enrolment order: everyone to the course's author and admins, a manager's
/// own department to a manager; the learning state is computed at the injected clock's now.
/// </summary>
public sealed class EnrolmentListing(ContentDbContext db, TimeProvider time)
{
    /// <summary>A page of course <paramref name="id"/>'s learners (the caller checked the paging).</summary>
    /// <param name="id">The course.</param>
    /// <param name="principal">The caller.</param>
    /// <param name="state">Only learners in this state; null for any.</param>
    /// <param name="limit">The page size.</param>
    /// <param name="offset">The learners skipped.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<EnrolmentListingResult> ListAsync(
        Guid id, ClaimsPrincipal principal, LearningState? state, int limit, int offset, CancellationToken ct)
    {
        var course = await db.Courses.AsNoTracking().Readable(principal).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new EnrolmentListingResult.CourseNotFound();
        }
        var me = principal.UserId();
        var enrolments = db.Enrolments.AsNoTracking().Where(e => e.CourseId == id);
        if (!principal.Manages(course))
        {
            var managed = principal.IsManager() ? await EnrolmentsApi.ManagedDepartmentAsync(db, me, ct) : null;
            if (managed is null)
            {
                return principal.IsManager() ? new EnrolmentListingResult.NoDepartment() : new EnrolmentListingResult.Forbidden();
            }
            enrolments = enrolments.Where(e => db.Learners.Any(l => l.UserId == e.UserId && l.Department == managed));
        }
        var now = time.GetUtcNow();
        var rows = Progress.Rows(db, enrolments);
        if (state is { } only)
        {
            rows = rows.InState(only, now);
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderBy(r => r.EnrolledAt).ThenBy(r => r.UserId).Skip(offset).Take(limit).ToListAsync(ct);
        return new EnrolmentListingResult.Listed(new EnrolmentPage([.. page.Select(r => Progress.Response(r, now))], total, limit, offset));
    }
}
