using Campus.Chat.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Chat.Registry;

/// <summary>
/// Keeps <c>known_users</c> and <c>known_courses</c> from other services' events: chat never reads their databases, and
/// checks against these tables that the users it adds exist and that a course chat's course exists and is the caller's.
/// Every write is an idempotent upsert, so redelivery and reordering are harmless (a deleted course stays deleted).
/// </summary>
public sealed class RememberUser(ChatDbContext db, TimeProvider time) : IIntegrationEventHandler<UserRegistered>
{
    public const string Queue = "chat.auth-events";

    public Task HandleAsync(UserRegistered evt, MessageContext context, CancellationToken cancellationToken) =>
        KnownUsers.RememberAsync(db, [evt.UserId], time, cancellationToken);
}

public sealed class RememberCreatedCourse(ChatDbContext db) : IIntegrationEventHandler<CourseCreated>
{
    public const string Queue = "chat.content-events";

    public Task HandleAsync(CourseCreated evt, MessageContext context, CancellationToken cancellationToken) =>
        KnownCourses.RememberAsync(db, evt.CourseId, evt.AuthorId, deleted: false, cancellationToken);
}

public sealed class RememberPublishedCourse(ChatDbContext db) : IIntegrationEventHandler<CoursePublished>
{
    public Task HandleAsync(CoursePublished evt, MessageContext context, CancellationToken cancellationToken) =>
        KnownCourses.RememberAsync(db, evt.CourseId, evt.AuthorId, deleted: false, cancellationToken);
}

public sealed class ForgetDeletedCourse(ChatDbContext db) : IIntegrationEventHandler<CourseDeleted>
{
    public Task HandleAsync(CourseDeleted evt, MessageContext context, CancellationToken cancellationToken) =>
        KnownCourses.RememberAsync(db, evt.CourseId, evt.AuthorId, deleted: true, cancellationToken);
}

public static class KnownUsers
{
    /// <summary>Records <paramref name="userIds"/> as existing (no-op for those already known).</summary>
    public static async Task RememberAsync(ChatDbContext db, IReadOnlyCollection<Guid> userIds, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var userId in userIds)
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO known_users (user_id, known_since) VALUES ({userId}, {now}) ON CONFLICT (user_id) DO NOTHING", ct);
        }
    }

    /// <summary>Those of <paramref name="userIds"/> chat has never heard of.</summary>
    public static async Task<List<Guid>> UnknownAsync(ChatDbContext db, IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        var known = await db.KnownUsers.Where(u => userIds.Contains(u.UserId)).Select(u => u.UserId).ToListAsync(ct);
        return [.. userIds.Except(known)];
    }
}

public static class KnownCourses
{
    public static Task RememberAsync(ChatDbContext db, Guid courseId, Guid authorId, bool deleted, CancellationToken ct) =>
        // A course's author never changes; "deleted" only ever goes from false to true.
        db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO known_courses (course_id, author_id, deleted) VALUES ({courseId}, {authorId}, {deleted})
            ON CONFLICT (course_id) DO UPDATE SET deleted = known_courses.deleted OR EXCLUDED.deleted
            """, ct);
}
