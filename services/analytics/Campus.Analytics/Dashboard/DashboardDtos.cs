using System.Text.Json.Serialization;

namespace Campus.Analytics.Dashboard;

/// <summary>
/// The dashboard of a period [<see cref="From"/>, <see cref="To"/>) for everyone (<see cref="Department"/> null) or one
/// department. Counts are whole numbers; rates are fractions 0..1; times are hours.
/// </summary>
public sealed record DashboardResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    string? Department,
    DateTimeOffset GeneratedAt,
    ActiveLearners ActiveLearners,
    long Enrolments,
    long Completions,
    double? CompletionRate,
    long OverdueAssignments,
    double? AverageHoursToComplete,
    IReadOnlyList<TopCourse> TopCourses,
    MediaPipeline Media,
    IReadOnlyList<ChannelDeliveries> Notifications,
    ChatActivity Chat,
    IReadOnlyList<DailyPoint> Daily);

/// <summary>Distinct users with any activity (sign-in, material done, chat message) in the 7 and 30 days up to the period's last day.</summary>
public sealed record ActiveLearners(
    [property: JsonPropertyName("last_7_days")] long Last7Days,
    [property: JsonPropertyName("last_30_days")] long Last30Days);

/// <summary>A course by the completions in the period.</summary>
public sealed record TopCourse(Guid CourseId, string? Title, long Completions);

/// <summary>Media now being transcoded, and media that became ready or failed in the period.</summary>
public sealed record MediaPipeline(long Processing, long Ready, long Failed);

/// <summary>
/// Notification deliveries that finally succeeded or failed in the period, per channel: the channel as notifications'
/// delivery events name it (an open string, so a channel notifications adds later is counted, not refused).
/// </summary>
public sealed record ChannelDeliveries(string Channel, long Sent, long Failed);

/// <summary>Chat messages posted in the period and the users who posted them.</summary>
public sealed record ChatActivity(long Messages, long ActiveChatters);

/// <summary>One UTC day of the period, for the charts.</summary>
public sealed record DailyPoint(DateOnly Day, long Enrolments, long Completions, long ActiveLearners, long Messages);
