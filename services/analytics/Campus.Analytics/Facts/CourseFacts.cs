using Campus.Analytics.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// <c>courses</c>, <c>materials</c> and <c>media</c> from content. The newest event (by occurred_at, kept in
/// <c>version</c>) sets the state; creation and publication times fill gaps from any event; <c>deleted</c> is final.
/// A material change recounts the progress of the course's enrolments (<see cref="Progress"/>).
/// </summary>
public sealed class CourseFacts(AnalyticsDbContext db) :
    IIntegrationEventHandler<CourseCreated>, IIntegrationEventHandler<CoursePublished>, IIntegrationEventHandler<CourseArchived>,
    IIntegrationEventHandler<CourseDeleted>, IIntegrationEventHandler<CourseSnapshot>,
    IIntegrationEventHandler<MaterialChanged>, IIntegrationEventHandler<MaterialSnapshot>, IIntegrationEventHandler<MaterialDeleted>,
    IIntegrationEventHandler<MediaReady>, IIntegrationEventHandler<MediaFailed>, IIntegrationEventHandler<MediaSnapshot>
{
    public Task HandleAsync(CourseCreated evt, MessageContext context, CancellationToken ct) =>
        UpsertCourseAsync(evt.CourseId, evt.Title, evt.AuthorId, "draft", evt.OccurredAt, null, evt.OccurredAt, ct);

    public Task HandleAsync(CoursePublished evt, MessageContext context, CancellationToken ct) =>
        UpsertCourseAsync(evt.CourseId, evt.Title, evt.AuthorId, "published", null, evt.OccurredAt, evt.OccurredAt, ct);

    public Task HandleAsync(CourseArchived evt, MessageContext context, CancellationToken ct) =>
        UpsertCourseAsync(evt.CourseId, evt.Title, evt.AuthorId, "archived", null, null, evt.OccurredAt, ct);

    public Task HandleAsync(CourseDeleted evt, MessageContext context, CancellationToken ct) =>
        UpsertCourseAsync(evt.CourseId, null, evt.AuthorId, "deleted", null, null, evt.OccurredAt, ct);

    public Task HandleAsync(CourseSnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertCourseAsync(evt.CourseId, evt.Title, evt.AuthorId, evt.State, evt.CreatedAt, evt.PublishedAt, evt.OccurredAt, ct);

    public Task HandleAsync(MaterialChanged evt, MessageContext context, CancellationToken ct) =>
        UpsertMaterialAsync(evt.MaterialId, evt.CourseId, evt.Title, evt.Kind, evt.Published, evt.MediaId, evt.Position, evt.OccurredAt, ct);

    public Task HandleAsync(MaterialSnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertMaterialAsync(evt.MaterialId, evt.CourseId, evt.Title, evt.Kind, evt.Published, evt.MediaId, evt.Position, evt.OccurredAt, ct);

    public async Task HandleAsync(MaterialDeleted evt, MessageContext context, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM materials WHERE material_id = {evt.MaterialId} AND version <= {evt.OccurredAt.ToUniversalTime()}", ct);
        await Progress.RecountCourseAsync(db, evt.CourseId, ct);
        await transaction.CommitAsync(ct);
    }

    public Task HandleAsync(MediaReady evt, MessageContext context, CancellationToken ct) =>
        UpsertMediaAsync(evt.MediaId, evt.OwnerId, evt.FileName, "ready", evt.DurationSeconds, null, evt.OccurredAt, ct);

    public Task HandleAsync(MediaFailed evt, MessageContext context, CancellationToken ct) =>
        UpsertMediaAsync(evt.MediaId, evt.OwnerId, evt.FileName, "failed", null, evt.Error, evt.OccurredAt, ct);

    public Task HandleAsync(MediaSnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertMediaAsync(evt.MediaId, evt.OwnerId, evt.FileName, evt.State, evt.DurationSeconds, evt.Error, evt.OccurredAt, ct);

    private Task UpsertCourseAsync(Guid courseId, string? title, Guid authorId, string state, DateTimeOffset? createdAt, DateTimeOffset? publishedAt,
        DateTimeOffset version, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO courses (course_id, title, author_id, state, created_at, published_at, version)
            VALUES ({courseId}, {title}::text, {authorId}, {state}, {createdAt?.ToUniversalTime()}::timestamptz,
                    {publishedAt?.ToUniversalTime()}::timestamptz, {version.ToUniversalTime()})
            ON CONFLICT (course_id) DO UPDATE SET
                title = CASE WHEN courses.version <= EXCLUDED.version THEN COALESCE(EXCLUDED.title, courses.title)
                             ELSE COALESCE(courses.title, EXCLUDED.title) END,
                author_id = COALESCE(courses.author_id, EXCLUDED.author_id),
                state = CASE WHEN courses.state = 'deleted' OR EXCLUDED.state = 'deleted' THEN 'deleted'
                             WHEN courses.version <= EXCLUDED.version THEN EXCLUDED.state ELSE courses.state END,
                created_at = COALESCE(courses.created_at, EXCLUDED.created_at),
                published_at = COALESCE(courses.published_at, EXCLUDED.published_at),
                version = GREATEST(courses.version, EXCLUDED.version)
            """, ct);

    private async Task UpsertMaterialAsync(Guid materialId, Guid courseId, string title, string kind, bool published, Guid? mediaId, int position,
        DateTimeOffset version, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO materials (material_id, course_id, title, kind, published, media_id, position, version)
            VALUES ({materialId}, {courseId}, {title}, {kind}, {published}, {mediaId}::uuid, {position}, {version.ToUniversalTime()})
            ON CONFLICT (material_id) DO UPDATE SET
                course_id = EXCLUDED.course_id, title = EXCLUDED.title, kind = EXCLUDED.kind, published = EXCLUDED.published,
                media_id = EXCLUDED.media_id, position = EXCLUDED.position, version = EXCLUDED.version
            WHERE materials.version <= EXCLUDED.version
            """, ct);
        if (changed == 1)
        {
            await Progress.RecountCourseAsync(db, courseId, ct);
        }
        await transaction.CommitAsync(ct);
    }

    private Task UpsertMediaAsync(Guid mediaId, Guid ownerId, string filename, string state, double? durationSeconds, string? error,
        DateTimeOffset version, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO media (media_id, owner_id, filename, state, duration_s, error, version)
            VALUES ({mediaId}, {ownerId}, {filename}, {state}, {durationSeconds}::double precision, {error}::text, {version.ToUniversalTime()})
            ON CONFLICT (media_id) DO UPDATE SET
                owner_id = EXCLUDED.owner_id, filename = EXCLUDED.filename, state = EXCLUDED.state,
                duration_s = EXCLUDED.duration_s, error = EXCLUDED.error, version = EXCLUDED.version
            WHERE media.version <= EXCLUDED.version
            """, ct);
}
