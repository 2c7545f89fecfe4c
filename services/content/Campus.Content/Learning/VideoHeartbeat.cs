using Campus.Content.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Content.Learning;

/// <summary>What a video heartbeat came to; the API maps it to a status and a problem code.</summary>
public abstract record VideoHeartbeatResult
{
    /// <summary>The heartbeat was merged; <paramref name="Progress"/> is the video's progress now.</summary>
    public sealed record Recorded(MaterialProgressResponse Progress) : VideoHeartbeatResult;
    /// <summary><paramref name="Fields"/> (position, duration or both) are missing or not a number.</summary>
    public sealed record InvalidProgress(IReadOnlyList<string> Fields) : VideoHeartbeatResult;
    /// <summary>The reported duration is not above 0 and at most 24 h.</summary>
    public sealed record InvalidDuration : VideoHeartbeatResult;
    /// <summary>The position is outside the reported duration, or (<paramref name="Duration"/>) beyond the video's own.</summary>
    public sealed record InvalidPosition(double? Duration = null) : VideoHeartbeatResult;
    /// <summary>The learner cannot record progress on this material.</summary>
    public sealed record Refused(ProgressRefusal Reason) : VideoHeartbeatResult;
    public sealed record NotAVideo : VideoHeartbeatResult;
}

/// <summary>
/// A video player's heartbeat: the position is merged into the learner's watched intervals (<see cref="VideoWatch"/>)
/// with an optimistic version check, and merged again under the row's lock when another heartbeat wrote first; once
/// enough of the video was watched the material is done, with its events, in the same transaction.
/// </summary>
public sealed class VideoHeartbeat(ContentDbContext db, IOptions<LearningOptions> options, TimeProvider time)
{
    private const double MaxDurationSeconds = 24 * 3600;
    private const double PositionTolerance = 1.0;

    /// <param name="id">The material.</param>
    /// <param name="me">The learner.</param>
    /// <param name="request">The heartbeat as sent.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<VideoHeartbeatResult> RecordAsync(Guid id, Guid me, HeartbeatRequest request, CancellationToken ct)
    {
        if (request.Position is not { } position || request.Duration is not { } reported
            || !double.IsFinite(position) || !double.IsFinite(reported))
        {
            string[] missing = [.. new[] { ("position", request.Position), ("duration", request.Duration) }
                .Where(field => field.Item2 is not { } value || !double.IsFinite(value)).Select(field => field.Item1)];
            return new VideoHeartbeatResult.InvalidProgress(missing);
        }
        if (reported <= 0 || reported > MaxDurationSeconds)
        {
            return new VideoHeartbeatResult.InvalidDuration();
        }
        if (position < 0 || position > reported + PositionTolerance)
        {
            return new VideoHeartbeatResult.InvalidPosition();
        }
        var (target, refusal) = await MaterialTarget.ForLearnerAsync(db, id, me, ct);
        if (target is null)
        {
            return new VideoHeartbeatResult.Refused(refusal!.Value);
        }
        if (target.Kind != MaterialKind.Video)
        {
            return new VideoHeartbeatResult.NotAVideo();
        }
        var settings = options.Value;
        var row = target.Progress;
        for (var locked = false; ; locked = true)
        {
            // The first pass writes without a lock, with an optimistic version check. When another heartbeat of the same
            // learner and video wrote first (another tab, or the player's previous heartbeat still in flight after a
            // stall), the next pass locks the row and merges into what that one wrote: no heartbeat is turned away.
            await using var transaction = locked ? await db.Database.BeginTransactionAsync(ct) : null;
            if (locked)
            {
                row = await LockedRowAsync(db, me, id, ct);
            }
            var now = time.GetUtcNow();
            // The transcoder's duration is the truth; a video without one keeps the first duration its player reported.
            var duration = target.MediaDuration is > 0 ? target.MediaDuration.Value : row?.DurationSeconds ?? reported;
            if (position > duration + PositionTolerance)
            {
                return new VideoHeartbeatResult.InvalidPosition(duration);
            }
            var watch = VideoWatch.Parse(row?.WatchState);
            watch.Heartbeat(Math.Min(position, duration), now, settings);
            var watched = Math.Min(watch.WatchedSeconds, duration);
            var completes = row?.CompletedAt is null && watched >= settings.VideoCompletionRatio * duration;
            DateTimeOffset? completedAt = row?.CompletedAt ?? (completes ? now : null);
            var state = watch.ToJson();

            // The write that completes the video commits with its events.
            await using var completion = transaction is null && completes ? await db.Database.BeginTransactionAsync(ct) : null;
            int written;
            if (row is null)
            {
                written = await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO material_progress (user_id, material_id, course_id, watch_state, watched_seconds, duration_seconds, completed_at, version, updated_at)
                    VALUES ({me}, {id}, {target.CourseId}, {state}::jsonb, {watched}, {duration}, {completedAt}, 1, {now})
                    ON CONFLICT (user_id, material_id) DO NOTHING
                    """, ct);
            }
            else
            {
                // Plain SQL rather than ExecuteUpdate: EF builds and looks up that statement's tree on every call.
                written = await db.Database.ExecuteSqlAsync(
                    $"""
                    UPDATE material_progress SET watch_state = {state}::jsonb, watched_seconds = {watched}, duration_seconds = {duration},
                        completed_at = {completedAt}, version = {row.Version + 1}, updated_at = {now}
                    WHERE user_id = {me} AND material_id = {id} AND version = {row.Version}
                    """, ct);
            }
            if (written == 0)
            {
                // Unlocked: another heartbeat wrote first. Locked: a first insert lost to a concurrent one, which it
                // waited for; the next pass finds that row.
                continue;
            }
            if (completes)
            {
                await Progress.MaterialDoneAsync(db, me, target.CourseId, target.CourseTitle, id, now, ct);
            }
            if ((transaction ?? completion) is { } commit)
            {
                await commit.CommitAsync(ct);
            }
            return new VideoHeartbeatResult.Recorded(new MaterialProgressResponse(id, null, MaterialKind.Video, "", completedAt is not null,
                completedAt, Math.Round(watched, 3), duration, (int)Math.Min(100, Math.Floor(watched * 100 / duration))));
        }
    }

    private static async Task<MaterialTarget.Row?> LockedRowAsync(ContentDbContext db, Guid me, Guid id, CancellationToken ct) =>
        await db.MaterialProgress.FromSql($"SELECT * FROM material_progress WHERE user_id = {me} AND material_id = {id} FOR UPDATE")
            .AsNoTracking().Select(p => new MaterialTarget.Row(p.WatchState, p.Version, p.CompletedAt, p.DurationSeconds)).FirstOrDefaultAsync(ct);
}
