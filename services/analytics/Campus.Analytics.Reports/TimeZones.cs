namespace Campus.Analytics.Reports;

/// <summary>IANA zones by id, with a fallback for unknown or missing ones.</summary>
public static class TimeZones
{
    public static bool IsKnown(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    public static TimeZoneInfo Find(string? id, string fallback) =>
        TimeZoneInfo.FindSystemTimeZoneById(IsKnown(id) ? id! : IsKnown(fallback) ? fallback : "UTC");
}
