using Campus.Content.Data;

namespace Campus.Content.Learning;

/// <summary>Where a learner stands in a course, as a person reads it.</summary>
public enum LearningState
{
    NotStarted,
    InProgress,
    Completed,
    Overdue,
}

/// <summary>
/// Assigns a course to <see cref="UserIds"/> (at most 1,000) or to a whole <see cref="Department"/> (exactly one of them).
/// <see cref="DueAt"/>: an instant with its offset (<c>2026-12-31T18:00:00+03:00</c>) or a calendar day (<c>2026-12-31</c>:
/// the end of that day in each learner's time zone); or <see cref="DueInDays"/> days from the assignment (for a
/// department: from joining it), end of that day in the learner's time zone. Neither: no due date.
/// </summary>
public sealed record AssignmentRequest(
    [property: Bounds(MaxItems = AssignmentRequest.MaxUsers)] Guid[]? UserIds = null,
    [property: Bounds(MaxLength = Learner.DepartmentLength)] string? Department = null,
    [property: Bounds(MaxLength = AssignmentRequest.DueAtLength)] string? DueAt = null,
    [property: Bounds(AssignmentRequest.MinDueInDays, AssignmentRequest.MaxDueInDays)] int? DueInDays = null)
{
    /// <summary>The most user ids one assignment takes.</summary>
    public const int MaxUsers = 1000;

    /// <summary>The longest <see cref="DueAt"/> taken (an instant with fractions and offset has 33 characters).</summary>
    public const int DueAtLength = 64;

    public const int MinDueInDays = 1;
    public const int MaxDueInDays = 3650;
}

/// <summary>What an assignment did: enrolments created, due dates changed, learners already assigned as asked.</summary>
public sealed record AssignmentResult(Guid CourseId, int Learners, int Created, int DueChanged, int Unchanged);

/// <summary>An enrolment with its progress. Dates are answered in the learner's time zone (UTC when unknown).</summary>
public sealed record EnrolmentResponse(
    Guid CourseId, string CourseTitle, Guid UserId, EnrolmentSource Source, LearningState State, int ProgressPercent,
    int DoneMaterials, int TotalMaterials, DateTimeOffset? DueAt, DateTimeOffset? CompletedAt, DateTimeOffset EnrolledAt,
    string? Department);

public sealed record LearningList(IReadOnlyList<EnrolmentResponse> Items, int Total, int Limit, int Offset);

public sealed record EnrolmentPage(IReadOnlyList<EnrolmentResponse> Items, int Total, int Limit, int Offset);

/// <summary>
/// A video heartbeat: the player's position and the video's duration, in seconds. The names are the product's
/// (`position`, `duration`), the one exception to spelling the unit out (docs/api-conventions.md).
/// </summary>
public sealed record HeartbeatRequest(double? Position, double? Duration);

public sealed record MaterialProgressResponse(
    Guid MaterialId, Guid? SectionId, MaterialKind Kind, string Title, bool Done, DateTimeOffset? CompletedAt,
    double? WatchedSeconds, double? DurationSeconds, int? WatchedPercent);

public sealed record CourseProgressResponse(
    Guid CourseId, LearningState State, int ProgressPercent, int DoneMaterials, int TotalMaterials, DateTimeOffset? DueAt,
    DateTimeOffset? CompletedAt, IReadOnlyList<MaterialProgressResponse> Materials);

/// <summary>An enrolment row with its counts, as one SQL query computes them.</summary>
internal sealed class EnrolmentRow
{
    public Guid CourseId { get; init; }
    public string CourseTitle { get; init; } = "";
    public Guid UserId { get; init; }
    public EnrolmentSource Source { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset EnrolledAt { get; init; }
    public int Total { get; init; }
    public int Done { get; init; }
    public bool Started { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? TimeZone { get; init; }
    public string? Department { get; init; }
}
