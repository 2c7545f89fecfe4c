using System.Security.Claims;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Campus.Storage;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Courses;

/// <summary>What publishing or archiving a course came to; the API maps it to a status and a problem code.</summary>
public abstract record CoursePublishingResult
{
    /// <summary>The course as it is now (changed, or already in that status).</summary>
    public sealed record Done(CourseDetail Course) : CoursePublishingResult;
    /// <summary>No such course the caller may change.</summary>
    public sealed record NotFound : CoursePublishingResult;
}

/// <summary>
/// Publishing and archiving a course (its author, or an admin): the status changes set-based and conditionally, so of
/// concurrent calls exactly one changes the row and writes the event, in the same transaction.
/// </summary>
public sealed class CoursePublishing(ContentDbContext db, IObjectStorage storage, TimeProvider time)
{
    /// <summary>Publishes a draft or archived course (<c>content.course.published</c>); a published one stays as it is.</summary>
    public async Task<CoursePublishingResult> PublishAsync(Guid id, ClaimsPrincipal caller, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Set-based and conditional: of two concurrent publishes exactly one changes the row and emits the event.
        var changed = await db.Courses.Managed(caller)
            .Where(c => c.Id == id && c.Status != CourseStatus.Published)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Status, CourseStatus.Published)
                .SetProperty(c => c.PublishedAt, c => c.PublishedAt ?? now)
                .SetProperty(c => c.UpdatedAt, now), ct);
        var course = await db.Courses.AsNoTracking().Managed(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new CoursePublishingResult.NotFound();
        }
        if (changed == 1)
        {
            db.AddOutboxMessage(new CoursePublished(course.Id, course.Title, course.AuthorId));
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return new CoursePublishingResult.Done(await CoursesApi.DetailAsync(course, caller, db, storage, ct));
    }

    /// <summary>Archives a course (<c>content.course.archived</c>): students no longer see it; an archived one stays as it is.</summary>
    public async Task<CoursePublishingResult> ArchiveAsync(Guid id, ClaimsPrincipal caller, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await db.Courses.Managed(caller).Where(c => c.Id == id && c.Status != CourseStatus.Archived)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Status, CourseStatus.Archived).SetProperty(c => c.UpdatedAt, now), ct);
        var course = await db.Courses.AsNoTracking().Managed(caller).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (course is null)
        {
            return new CoursePublishingResult.NotFound();
        }
        if (changed == 1)
        {
            db.AddOutboxMessage(new CourseArchived(course.Id, course.Title, course.AuthorId) { OccurredAt = now });
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return new CoursePublishingResult.Done(await CoursesApi.DetailAsync(course, caller, db, storage, ct));
    }
}
