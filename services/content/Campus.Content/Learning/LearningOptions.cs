using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Content.Learning;

/// <summary>Settings of enrolments and progress (configuration section <c>Content:Learning</c>).</summary>
public sealed class LearningOptions
{
    public const string Section = "Content:Learning";

    /// <summary>Share of a video's duration that must have been watched for it to be done (default 0.9).</summary>
    [Range(0.1, 1.0)]
    public double VideoCompletionRatio { get; set; } = 0.9;

    /// <summary>
    /// Fastest playback speed a heartbeat may imply: a position is counted as watched from the previous one only when it
    /// advanced by at most (time since that heartbeat) × this + <see cref="HeartbeatSlackSeconds"/> (default 2).
    /// </summary>
    [Range(1.0, 4.0)]
    public double MaxPlaybackRate { get; set; } = 2.0;

    /// <summary>Seconds of advance tolerated beyond the elapsed time (network and timer jitter; default 3).</summary>
    [Range(0.0, 30.0)]
    public double HeartbeatSlackSeconds { get; set; } = 3.0;

    /// <summary>
    /// How long a play cursor (the last position of one player, e.g. one tab) continues: heartbeats come every 10–30 s
    /// while playing, so a longer gap starts a new run (default 5 min). A player sends a heartbeat when playback starts.
    /// </summary>
    [TimeSpanRange("00:00:30", "01:00:00")]
    public TimeSpan CursorLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When a due date is within this many days and the course is not completed, <c>content.enrolment.due_soon</c> is published (default 3).</summary>
    [Range(0, 60)]
    public int DueSoonDays { get; set; } = 3;

    /// <summary>How often the due-date job looks for enrolments that became due soon or overdue (default 1 min).</summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan DueCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
