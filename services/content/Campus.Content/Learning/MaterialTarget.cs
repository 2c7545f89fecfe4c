using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>Why a learner cannot record progress on a material.</summary>
public enum ProgressRefusal
{
    /// <summary>No such material, or it is not published.</summary>
    MaterialNotFound,
    CourseNotPublished,
    NotEnrolled,
}

/// <summary>What a heartbeat or a complete needs to know about a material and the learner, read in one round trip.</summary>
internal sealed record MaterialTarget(MaterialKind Kind, bool IsPublished, Guid CourseId, string CourseTitle, CourseStatus Status, bool Enrolled,
    double? MediaDuration, MaterialTarget.Row? Progress)
{
    /// <summary>The stored progress a heartbeat starts from.</summary>
    internal sealed record Row(string? WatchState, int Version, DateTimeOffset? CompletedAt, double? DurationSeconds);

    // Compiled once: the heartbeat is the hottest request, and translating this LINQ query again on every call (walking
    // the tree, hashing it for the query cache) cost more CPU than running it.
    private static readonly Func<ContentDbContext, Guid, Guid, CancellationToken, Task<MaterialTarget?>> Find = EF.CompileAsyncQuery(
        (ContentDbContext db, Guid id, Guid me, CancellationToken _) => (
            from m in db.Materials
            join s in db.Sections on m.SectionId equals s.Id
            join c in db.Courses on s.CourseId equals c.Id
            where m.Id == id
            select new MaterialTarget(m.Kind, m.IsPublished, c.Id, c.Title, c.Status,
                db.Enrolments.Any(e => e.CourseId == c.Id && e.UserId == me),
                db.MediaFiles.Where(f => f.Id == m.MediaId).Select(f => f.DurationSeconds).FirstOrDefault(),
                db.MaterialProgress.Where(p => p.UserId == me && p.MaterialId == id)
                    .Select(p => new Row(p.WatchState, p.Version, p.CompletedAt, p.DurationSeconds)).FirstOrDefault()))
            .AsNoTracking().FirstOrDefault());

    /// <summary>
    /// Material <paramref name="id"/> with <paramref name="me"/>'s progress, when <paramref name="me"/> may record progress
    /// on it (published, in a published course they are enrolled in); otherwise why not.
    /// </summary>
    public static async Task<(MaterialTarget? Target, ProgressRefusal? Refusal)> ForLearnerAsync(ContentDbContext db, Guid id, Guid me, CancellationToken ct)
    {
        var target = await Find(db, id, me, ct);
        ProgressRefusal? refusal = target is null || !target.IsPublished ? ProgressRefusal.MaterialNotFound
            : target.Status != CourseStatus.Published ? ProgressRefusal.CourseNotPublished
            : !target.Enrolled ? ProgressRefusal.NotEnrolled
            : null;
        return (refusal is null ? target : null, refusal);
    }
}
