namespace Campus.Analytics.Reports;

/// <summary>IANA zones by id, with a fallback for unknown or missing ones.</summary>
public static class TimeZones
{
    public static bool IsKnown(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId;

    public static TimeZoneInfo Find(string? id, string fallback) =>
        TimeZoneInfo.FindSystemTimeZoneById(IsKnown(id) ? id! : IsKnown(fallback) ? fallback : "UTC");
}
