using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What marking a material done came to; the API maps it to a status and a problem code.</summary>
public abstract record MaterialCompletionResult
{
    /// <summary>The material is done (now or already); <paramref name="Progress"/> is its progress.</summary>
    public sealed record Completed(MaterialProgressResponse Progress) : MaterialCompletionResult;
    /// <summary>The learner cannot record progress on this material.</summary>
    public sealed record Refused(ProgressRefusal Reason) : MaterialCompletionResult;
    /// <summary>A video is done by watching it (<see cref="VideoHeartbeat"/>), not by marking it.</summary>
    public sealed record WatchRequired : MaterialCompletionResult;
}

/// <summary>
/// A learner marks a text, link or document material done. Idempotent: the first mark sets <c>completed_at</c> and,
/// in the same transaction, records the course's progress and its events; a repeated mark changes nothing.
/// </summary>
public sealed class MaterialCompletion(ContentDbContext db, TimeProvider time)
{
    /// <param name="id">The material.</param>
    /// <param name="me">The learner.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<MaterialCompletionResult> CompleteAsync(Guid id, Guid me, CancellationToken ct)
    {
        var (target, refusal) = await MaterialTarget.ForLearnerAsync(db, id, me, ct);
        if (target is null)
        {
            return new MaterialCompletionResult.Refused(refusal!.Value);
        }
        if (target.Kind == MaterialKind.Video)
        {
            return new MaterialCompletionResult.WatchRequired();
        }
        var now = time.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Of concurrent completes, one inserts (or sets completed_at); the others wait for its row and then change nothing.
            var changed = await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO material_progress (user_id, material_id, course_id, watched_seconds, completed_at, version, updated_at)
                VALUES ({me}, {id}, {target.CourseId}, 0, {now}, 1, {now})
                ON CONFLICT (user_id, material_id) DO UPDATE SET completed_at = EXCLUDED.completed_at,
                    version = material_progress.version + 1, updated_at = EXCLUDED.updated_at
                WHERE material_progress.completed_at IS NULL
                """, ct);
            if (changed == 1)
            {
                await Progress.MaterialDoneAsync(db, me, target.CourseId, target.CourseTitle, id, now, ct);
            }
            await transaction.CommitAsync(ct);
        }
        var completedAt = await db.MaterialProgress.Where(p => p.UserId == me && p.MaterialId == id).Select(p => p.CompletedAt).SingleAsync(ct);
        return new MaterialCompletionResult.Completed(new MaterialProgressResponse(id, null, target.Kind, "", true, completedAt, null, null, null));
    }
}
