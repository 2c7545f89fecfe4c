using System.Collections.Concurrent;
using Campus.Content.Data;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Content.Learning;

/// <summary>What an assignment did to one learner's enrolment.</summary>
public enum AssignOutcome
{
    Created,
    Unchanged,
    DueChanged,
}

/// <summary>Enrolment rules shared by the API and the profile consumer: due dates in the learner's time zone, applying an assignment.</summary>
public static class Enrolling
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>The IANA zone <paramref name="id"/>, or UTC when it is missing or unknown.</summary>
    public static TimeZoneInfo Zone(string? id) =>
        string.IsNullOrWhiteSpace(id) ? TimeZoneInfo.Utc : Zones.GetOrAdd(id, static key =>
            TimeZoneInfo.TryFindSystemTimeZoneById(key, out var zone) ? zone : TimeZoneInfo.Utc);

    /// <summary>The last second of <paramref name="date"/> in <paramref name="zone"/>, in UTC.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(new TimeOnly(23, 59, 59));
        // A local time skipped by a DST change does not exist: the end of day is then an hour earlier.
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(-1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary><paramref name="utc"/> with the offset of <paramref name="zone"/> (how answers show dates).</summary>
    public static DateTimeOffset? InZone(DateTimeOffset? utc, TimeZoneInfo zone) =>
        utc is { } value ? TimeZoneInfo.ConvertTime(value, zone) : null;

    /// <summary>The due date an assignment gives a learner who joined (or was assigned) at <paramref name="since"/>.</summary>
    public static DateTimeOffset? DueFor(Assignment assignment, TimeZoneInfo zone, DateTimeOffset since)
    {
        if (assignment.DueAt is { } at)
        {
            return at.ToUniversalTime();
        }
        if (assignment.DueDate is { } date)
        {
            return EndOfDay(date, zone);
        }
        if (assignment.DueInDays is { } days)
        {
            var start = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(since, zone).DateTime);
            return EndOfDay(start.AddDays(days), zone);
        }
        return null;
    }

    /// <summary>
    /// Makes <paramref name="userId"/> enrolled by an assignment with <paramref name="dueAt"/>: creates the enrolment
    /// (<c>content.enrolment.created</c>, source assigned), turns a self enrolment into an assigned one (the same event:
    /// the learner is now assigned), or changes the due date (<c>content.enrolment.due_changed</c>; not with <paramref name="keepDue"/>: a joiner
    /// already assigned keeps the due date they have). The caller saves
    /// and commits (the outbox rows go with the enrolment).
    /// </summary>
    public static async Task<AssignOutcome> ApplyAsync(
        ContentDbContext db, Course course, Guid userId, DateTimeOffset? dueAt, Guid assignedBy, DateTimeOffset now, CancellationToken ct,
        bool keepDue = false)
    {
        var id = Guid.CreateVersion7();
        var source = EnumText.Name(EnrolmentSource.Assigned);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO enrolments (id, course_id, user_id, source, assigned_by, due_at, created_at, updated_at)
            VALUES ({id}, {course.Id}, {userId}, {source}, {assignedBy}, {dueAt}, {now}, {now})
            ON CONFLICT (course_id, user_id) DO NOTHING
            """, ct);
        if (inserted == 1)
        {
            db.AddOutboxMessage(new EnrolmentCreated(course.Id, course.Title, userId, source, dueAt, assignedBy) { OccurredAt = now });
            return AssignOutcome.Created;
        }
        var existing = await db.Enrolments
            .FromSql($"SELECT * FROM enrolments WHERE course_id = {course.Id} AND user_id = {userId} FOR UPDATE")
            .SingleAsync(ct);
        if (existing.Source == EnrolmentSource.Self)
        {
            existing.Source = EnrolmentSource.Assigned;
            existing.AssignedBy = assignedBy;
            existing.DueAt = dueAt;
            existing.UpdatedAt = now;
            db.AddOutboxMessage(new EnrolmentCreated(course.Id, course.Title, userId, source, dueAt, assignedBy) { OccurredAt = now });
            return AssignOutcome.Created;
        }
        if (existing.DueAt == dueAt || keepDue)
        {
            return AssignOutcome.Unchanged;
        }
        existing.DueAt = dueAt;
        existing.UpdatedAt = now;
        db.AddOutboxMessage(new DueDateChanged(course.Id, course.Title, userId, dueAt) { OccurredAt = now });
        return AssignOutcome.DueChanged;
    }
}
