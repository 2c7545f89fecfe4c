using Campus.Content.Data;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>
/// On <c>analytics.rebuild.requested</c>: re-publishes content's current state through the outbox as snapshot events
/// (courses, materials, media, enrolments with their progress, completed materials), each kind in batches by key
/// (keyset). A redelivered request publishes the same state again, which consumers apply as such.
/// </summary>
public sealed class PublishContentSnapshots(ContentDbContext db, TimeProvider time) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "content.analytics-rebuild";

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.PublishSnapshotAsync<CourseSnapshot, Guid>(
            async (after, size, ct) => (await db.Courses.AsNoTracking().Where(c => c.Id.CompareTo(after) > 0).OrderBy(c => c.Id).Take(size)
                    .ToListAsync(ct))
                .Select(c => new CourseSnapshot(c.Id, c.Title, c.AuthorId, EnumText.Name(c.Status), c.CreatedAt, c.PublishedAt) { OccurredAt = now })
                .ToList(),
            s => s.CourseId, s => [s], cancellationToken);

        await db.PublishSnapshotAsync<MaterialSnapshot, Guid>(
            async (after, size, ct) => (await (from m in db.Materials.AsNoTracking()
                                               join s in db.Sections on m.SectionId equals s.Id
                                               where m.Id.CompareTo(after) > 0
                                               orderby m.Id
                                               select new { Material = m, s.CourseId }).Take(size).ToListAsync(ct))
                .Select(x => new MaterialSnapshot(x.Material.Id, x.CourseId, x.Material.Title, EnumText.Name(x.Material.Kind),
                    x.Material.IsPublished, x.Material.MediaId, x.Material.Position)
                { OccurredAt = now })
                .ToList(),
            s => s.MaterialId, s => [s], cancellationToken);

        await db.PublishSnapshotAsync<MediaSnapshot, Guid>(
            async (after, size, ct) => (await db.MediaFiles.AsNoTracking()
                    .Where(m => m.Status != MediaStatus.Uploading && m.Id.CompareTo(after) > 0).OrderBy(m => m.Id).Take(size)
                    .ToListAsync(ct))
                .Select(m => new MediaSnapshot(m.Id, m.OwnerId, m.Filename,
                    m.Status switch { MediaStatus.Ready => "ready", MediaStatus.Failed => "failed", _ => "processing" },
                    m.DurationSeconds, m.Error)
                { OccurredAt = now })
                .ToList(),
            s => s.MediaId, s => [s], cancellationToken);

        await db.PublishSnapshotAsync<(Guid Id, EnrolmentSnapshot Snapshot), Guid>(
            async (after, size, ct) => (await db.Enrolments.AsNoTracking().Where(e => e.Id.CompareTo(after) > 0).OrderBy(e => e.Id).Take(size)
                    .Select(e => new
                    {
                        e.Id, e.CourseId, e.UserId, e.Source, e.CreatedAt, e.DueAt, e.OverdueSentFor,
                        Total = db.Materials.Count(m => m.IsPublished && db.Sections.Any(s => s.Id == m.SectionId && s.CourseId == e.CourseId)),
                        Done = db.MaterialProgress.Count(p => p.UserId == e.UserId && p.CourseId == e.CourseId && p.CompletedAt != null
                            && db.Materials.Any(m => m.Id == p.MaterialId && m.IsPublished)),
                        CompletedAt = db.CourseCompletions.Where(x => x.UserId == e.UserId && x.CourseId == e.CourseId)
                            .Select(x => (DateTimeOffset?)x.CompletedAt).FirstOrDefault(),
                    })
                    .ToListAsync(ct))
                .Select(e => (e.Id, new EnrolmentSnapshot(e.CourseId, e.UserId, EnumText.Name(e.Source), e.CreatedAt, e.DueAt, e.Done, e.Total,
                    e.CompletedAt, e.OverdueSentFor is { } overdue && overdue == e.DueAt ? overdue : null)
                { OccurredAt = now }))
                .ToList(),
            x => x.Id, x => [x.Snapshot], cancellationToken);

        // Completed materials, keyed by (user, material): the keyset continues after the last pair of the previous batch.
        await db.PublishSnapshotAsync<MaterialCompletionSnapshot, (Guid UserId, Guid MaterialId)>(
            async (after, size, ct) =>
            {
                var (afterUser, afterMaterial) = after;
                return await db.MaterialProgress.AsNoTracking()
                    .Where(p => p.CompletedAt != null
                        && (p.UserId.CompareTo(afterUser) > 0 || (p.UserId == afterUser && p.MaterialId.CompareTo(afterMaterial) > 0)))
                    .OrderBy(p => p.UserId).ThenBy(p => p.MaterialId).Take(size)
                    .Select(p => new MaterialCompletionSnapshot(p.CourseId, p.MaterialId, p.UserId, p.CompletedAt!.Value) { OccurredAt = now })
                    .ToListAsync(ct);
            },
            s => (s.UserId, s.MaterialId), s => [s], cancellationToken);
    }
}
