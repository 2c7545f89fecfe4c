using System.ComponentModel.DataAnnotations;
using Campus.ServiceDefaults;

namespace Campus.Analytics.Reports;

/// <summary>Settings of report schedules (configuration section <c>Schedules</c>; both hosts read it).</summary>
public sealed class SchedulesOptions
{
    public const string Section = "Schedules";

    /// <summary>How often the worker's firing job looks for due schedules (an occurrence fires within this, plus the claim; keep it under a minute).</summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Fired requests failing in a row before the schedule pauses itself.</summary>
    [Range(1, 100)]
    public int PauseAfterFailures { get; set; } = 3;

    /// <summary>Schedules one user may own.</summary>
    [Range(1, 1000)]
    public int MaxPerUser { get; set; } = 50;
}
