using Campus.Analytics.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// <c>processed_events</c>: a counting consumer records the event id in its own transaction before counting, so a
/// redelivered event (the same id) counts nothing.
/// </summary>
internal static class Inbox
{
    /// <summary>Records <paramref name="eventId"/>; false when it was recorded before (the caller then changes nothing).</summary>
    public static async Task<bool> FirstTimeAsync(AnalyticsDbContext db, Guid eventId, TimeProvider time, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO processed_events (event_id, processed_at) VALUES ({eventId}, {time.GetUtcNow()}) ON CONFLICT DO NOTHING", ct) == 1;
}

/// <summary><c>activity_daily</c>: per user and UTC day counters of sign-ins and materials done (chat's messages come as totals).</summary>
internal static class ActivityCounters
{
    public static Task CountAsync(AnalyticsDbContext db, Guid userId, DateTimeOffset at, int signIns = 0, int materialsDone = 0,
        CancellationToken ct = default)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO activity_daily (user_id, day, sign_ins, materials_done, messages) VALUES ({userId}, {day}, {signIns}, {materialsDone}, 0)
            ON CONFLICT (user_id, day) DO UPDATE SET
                sign_ins = activity_daily.sign_ins + EXCLUDED.sign_ins,
                materials_done = activity_daily.materials_done + EXCLUDED.materials_done
            """, ct);
    }
}
