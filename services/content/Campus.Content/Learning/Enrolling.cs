using System.Collections.Concurrent;
using Campus.Content.Data;

namespace Campus.Content.Learning;

/// <summary>Due dates in the learner's time zone, as assignments set them and answers show them.</summary>
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
}
