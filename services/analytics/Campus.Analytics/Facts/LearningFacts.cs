using Campus.Analytics.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// <c>enrolments</c> and <c>material_completions</c> from content. An enrolment's <c>version</c> orders the events that
/// set its source and due date (created, due changed, snapshot); completion and overdue are set once and fill gaps from
/// any event. An event about an enrolment whose creation has not arrived yet creates a partial row (no source, no
/// enrolled_at, version -infinity unless it set the due date) that the creation completes. Withdrawn or left enrolments
/// are deleted. Progress (done/total) is counted from <c>material_completions</c> and published <c>materials</c>, so it
/// is right whatever the order.
/// </summary>
public sealed class LearningFacts(AnalyticsDbContext db) :
    IIntegrationEventHandler<EnrolmentCreated>, IIntegrationEventHandler<EnrolmentSnapshot>, IIntegrationEventHandler<DueDateChanged>,
    IIntegrationEventHandler<EnrolmentOverdue>, IIntegrationEventHandler<CourseCompleted>, IIntegrationEventHandler<AssignmentWithdrawn>,
    IIntegrationEventHandler<EnrolmentLeft>, IIntegrationEventHandler<MaterialCompleted>, IIntegrationEventHandler<MaterialCompletionSnapshot>
{
    public Task HandleAsync(EnrolmentCreated evt, MessageContext context, CancellationToken ct)
    {
        var (course, user, at) = (evt.CourseId, evt.UserId, evt.OccurredAt.ToUniversalTime());
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials, version)
            VALUES ({course}, {user}, {evt.Source}, {at}, {evt.DueAt?.ToUniversalTime()}::timestamptz,
                    (SELECT count(*) FROM material_completions c JOIN materials m ON m.material_id = c.material_id
                     WHERE c.user_id = {user} AND c.course_id = {course} AND m.published),
                    (SELECT count(*) FROM materials m WHERE m.course_id = {course} AND m.published), {at})
            ON CONFLICT (course_id, user_id) DO UPDATE SET
                source = CASE WHEN enrolments.version <= EXCLUDED.version THEN EXCLUDED.source ELSE COALESCE(enrolments.source, EXCLUDED.source) END,
                enrolled_at = COALESCE(enrolments.enrolled_at, EXCLUDED.enrolled_at),
                due_at = CASE WHEN enrolments.version <= EXCLUDED.version THEN EXCLUDED.due_at ELSE enrolments.due_at END,
                done_materials = EXCLUDED.done_materials, total_materials = EXCLUDED.total_materials,
                version = GREATEST(enrolments.version, EXCLUDED.version)
            """, ct);
    }

    public Task HandleAsync(EnrolmentSnapshot evt, MessageContext context, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO enrolments (course_id, user_id, source, enrolled_at, due_at, done_materials, total_materials, completed_at, overdue_at, version)
            VALUES ({evt.CourseId}, {evt.UserId}, {evt.Source}, {evt.EnrolledAt.ToUniversalTime()}, {evt.DueAt?.ToUniversalTime()}::timestamptz,
                    {evt.DoneMaterials}, {evt.TotalMaterials}, {evt.CompletedAt?.ToUniversalTime()}::timestamptz,
                    {evt.OverdueAt?.ToUniversalTime()}::timestamptz, {evt.OccurredAt.ToUniversalTime()})
            ON CONFLICT (course_id, user_id) DO UPDATE SET
                source = EXCLUDED.source, enrolled_at = EXCLUDED.enrolled_at, due_at = EXCLUDED.due_at,
                done_materials = EXCLUDED.done_materials, total_materials = EXCLUDED.total_materials,
                completed_at = COALESCE(enrolments.completed_at, EXCLUDED.completed_at), overdue_at = EXCLUDED.overdue_at,
                version = EXCLUDED.version
            WHERE enrolments.version <= EXCLUDED.version
            """, ct);

    /// <summary>A new due date; an overdue mark of another due date no longer holds.</summary>
    public Task HandleAsync(DueDateChanged evt, MessageContext context, CancellationToken ct)
    {
        var (course, user, at) = (evt.CourseId, evt.UserId, evt.OccurredAt.ToUniversalTime());
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO enrolments (course_id, user_id, due_at, done_materials, total_materials, version)
            VALUES ({course}, {user}, {evt.DueAt?.ToUniversalTime()}::timestamptz, 0, 0, {at})
            ON CONFLICT (course_id, user_id) DO UPDATE SET
                due_at = EXCLUDED.due_at,
                overdue_at = CASE WHEN enrolments.due_at IS NOT DISTINCT FROM EXCLUDED.due_at THEN enrolments.overdue_at END,
                version = EXCLUDED.version
            WHERE enrolments.version <= EXCLUDED.version
            """, ct);
    }

    /// <summary>Marks the enrolment overdue once, if the due date it was announced for is still the enrolment's.</summary>
    public Task HandleAsync(EnrolmentOverdue evt, MessageContext context, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO enrolments (course_id, user_id, due_at, overdue_at, done_materials, total_materials, version)
            VALUES ({evt.CourseId}, {evt.UserId}, {evt.DueAt.ToUniversalTime()}, {evt.OccurredAt.ToUniversalTime()}, 0, 0, '-infinity')
            ON CONFLICT (course_id, user_id) DO UPDATE SET overdue_at = COALESCE(enrolments.overdue_at, EXCLUDED.overdue_at)
            WHERE enrolments.due_at = EXCLUDED.due_at
            """, ct);

    public Task HandleAsync(CourseCompleted evt, MessageContext context, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO enrolments (course_id, user_id, completed_at, done_materials, total_materials, version)
            VALUES ({evt.CourseId}, {evt.UserId}, {evt.CompletedAt.ToUniversalTime()}, 0, 0, '-infinity')
            ON CONFLICT (course_id, user_id) DO UPDATE SET completed_at = COALESCE(enrolments.completed_at, EXCLUDED.completed_at)
            """, ct);

    public Task HandleAsync(AssignmentWithdrawn evt, MessageContext context, CancellationToken ct) =>
        DeleteAsync(evt.CourseId, evt.UserId, evt.OccurredAt, ct);

    public Task HandleAsync(EnrolmentLeft evt, MessageContext context, CancellationToken ct) =>
        DeleteAsync(evt.CourseId, evt.UserId, evt.OccurredAt, ct);

    public Task HandleAsync(MaterialCompleted evt, MessageContext context, CancellationToken ct) =>
        CompleteAsync(evt.CourseId, evt.MaterialId, evt.UserId, evt.CompletedAt, ct);

    public Task HandleAsync(MaterialCompletionSnapshot evt, MessageContext context, CancellationToken ct) =>
        CompleteAsync(evt.CourseId, evt.MaterialId, evt.UserId, evt.CompletedAt, ct);

    private Task DeleteAsync(Guid course, Guid user, DateTimeOffset at, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync(
            $"DELETE FROM enrolments WHERE course_id = {course} AND user_id = {user} AND version <= {at.ToUniversalTime()}", ct);

    /// <summary>
    /// The completion row is the dedupe: only the event that inserts it counts the day's <c>materials_done</c> and
    /// recounts the enrolment, so a redelivery, or a snapshot of a completion already known, changes nothing.
    /// </summary>
    private async Task CompleteAsync(Guid course, Guid material, Guid user, DateTimeOffset completedAt, CancellationToken ct)
    {
        var at = completedAt.ToUniversalTime();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO material_completions (user_id, material_id, course_id, completed_at) VALUES ({user}, {material}, {course}, {at})
            ON CONFLICT DO NOTHING
            """, ct);
        if (inserted == 1)
        {
            await ActivityCounters.CountAsync(db, user, at, materialsDone: 1, ct: ct);
            await Progress.RecountAsync(db, course, user, ct);
        }
        await transaction.CommitAsync(ct);
    }
}

/// <summary>Enrolment progress counted from the facts: published materials of the course, and the learner's completions of them.</summary>
internal static class Progress
{
    public static Task RecountCourseAsync(AnalyticsDbContext db, Guid course, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE enrolments e SET
                total_materials = (SELECT count(*) FROM materials m WHERE m.course_id = e.course_id AND m.published),
                done_materials = (SELECT count(*) FROM material_completions c JOIN materials m ON m.material_id = c.material_id
                                  WHERE c.user_id = e.user_id AND c.course_id = e.course_id AND m.published)
            WHERE e.course_id = {course}
            """, ct);

    public static Task RecountAsync(AnalyticsDbContext db, Guid course, Guid user, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE enrolments e SET
                total_materials = (SELECT count(*) FROM materials m WHERE m.course_id = e.course_id AND m.published),
                done_materials = (SELECT count(*) FROM material_completions c JOIN materials m ON m.material_id = c.material_id
                                  WHERE c.user_id = e.user_id AND c.course_id = e.course_id AND m.published)
            WHERE e.course_id = {course} AND e.user_id = {user}
            """, ct);
}
