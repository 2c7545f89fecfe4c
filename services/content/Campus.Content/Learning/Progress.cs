using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>Course progress as SQL computes it, the state a person reads, and what completing a material sets off.</summary>
public static class Progress
{
    /// <summary>The published materials of a course (what progress counts).</summary>
    public static IQueryable<Material> Counted(ContentDbContext db, Guid courseId) =>
        db.Materials.Where(m => m.IsPublished && db.Sections.Any(s => s.Id == m.SectionId && s.CourseId == courseId));

    internal static IQueryable<EnrolmentRow> Rows(ContentDbContext db, IQueryable<Enrolment> enrolments) =>
        from e in enrolments
        join c in db.Courses on e.CourseId equals c.Id
        select new EnrolmentRow
        {
            CourseId = e.CourseId,
            CourseTitle = c.Title,
            UserId = e.UserId,
            Source = e.Source,
            DueAt = e.DueAt,
            EnrolledAt = e.CreatedAt,
            Total = db.Materials.Count(m => m.IsPublished && db.Sections.Any(s => s.Id == m.SectionId && s.CourseId == e.CourseId)),
            Done = db.MaterialProgress.Count(p => p.UserId == e.UserId && p.CourseId == e.CourseId && p.CompletedAt != null
                && db.Materials.Any(m => m.Id == p.MaterialId && m.IsPublished)),
            Started = db.MaterialProgress.Any(p => p.UserId == e.UserId && p.CourseId == e.CourseId),
            CompletedAt = db.CourseCompletions.Where(x => x.UserId == e.UserId && x.CourseId == e.CourseId)
                .Select(x => (DateTimeOffset?)x.CompletedAt).FirstOrDefault(),
            TimeZone = db.Learners.Where(l => l.UserId == e.UserId).Select(l => l.TimeZone).FirstOrDefault(),
            Department = db.Learners.Where(l => l.UserId == e.UserId).Select(l => l.Department).FirstOrDefault(),
        };

    internal static IQueryable<EnrolmentRow> InState(this IQueryable<EnrolmentRow> rows, LearningState state, DateTimeOffset now) => state switch
    {
        LearningState.Completed => rows.Where(r => r.CompletedAt != null),
        LearningState.Overdue => rows.Where(r => r.CompletedAt == null && r.DueAt != null && r.DueAt < now),
        LearningState.InProgress => rows.Where(r => r.CompletedAt == null && (r.DueAt == null || r.DueAt >= now) && r.Started),
        _ => rows.Where(r => r.CompletedAt == null && (r.DueAt == null || r.DueAt >= now) && !r.Started),
    };

    public static LearningState State(DateTimeOffset? completedAt, DateTimeOffset? dueAt, bool started, DateTimeOffset now) =>
        completedAt is not null ? LearningState.Completed
        : dueAt is { } due && due < now ? LearningState.Overdue
        : started ? LearningState.InProgress
        : LearningState.NotStarted;

    /// <summary>Whole percent, rounded down: 100 only when every published material is done.</summary>
    public static int Percent(int done, int total) => total == 0 ? 0 : (int)Math.Min(100, done * 100L / total);

    internal static EnrolmentResponse Response(EnrolmentRow r, DateTimeOffset now)
    {
        var zone = Enrolling.Zone(r.TimeZone);
        return new EnrolmentResponse(r.CourseId, r.CourseTitle, r.UserId, r.Source, State(r.CompletedAt, r.DueAt, r.Started, now),
            Percent(r.Done, r.Total), r.Done, r.Total, Enrolling.InZone(r.DueAt, zone), Enrolling.InZone(r.CompletedAt, zone),
            Enrolling.InZone(r.EnrolledAt, zone)!.Value, r.Department);
    }

    /// <summary>
    /// After a material became done (in the caller's transaction): publishes <c>content.material.completed</c> and, when
    /// every published material of the course is now done, records the course completion once and publishes
    /// <c>content.course.completed</c>. The learner's enrolment row is locked first, so two materials completed at the
    /// same time are counted one after the other and the last one sees both.
    /// </summary>
    public static async Task MaterialDoneAsync(
        ContentDbContext db, Guid userId, Guid courseId, string courseTitle, Guid materialId, DateTimeOffset now, CancellationToken ct)
    {
        db.AddOutboxMessage(new MaterialCompleted(courseId, materialId, userId, now) { OccurredAt = now });
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM enrolments WHERE course_id = {courseId} AND user_id = {userId} FOR UPDATE", ct);
        var total = await Counted(db, courseId).CountAsync(ct);
        var done = await Counted(db, courseId)
            .CountAsync(m => db.MaterialProgress.Any(p => p.UserId == userId && p.MaterialId == m.Id && p.CompletedAt != null), ct);
        if (total > 0 && done >= total)
        {
            var inserted = await db.Database.ExecuteSqlAsync(
                $"INSERT INTO course_completions (user_id, course_id, completed_at) VALUES ({userId}, {courseId}, {now}) ON CONFLICT DO NOTHING", ct);
            if (inserted == 1)
            {
                db.AddOutboxMessage(new CourseCompleted(courseId, courseTitle, userId, now) { OccurredAt = now });
            }
        }
        await db.SaveChangesAsync(ct);
    }
}
