using System.Text.Json.Serialization;
using Campus.Messaging;

namespace Campus.Notifications.Content;

// content's events, copied by their JSON shape (services share no code).

[RoutingKey("content.course.published")]
public sealed record CoursePublished(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.media.ready")]
public sealed record MediaReady(Guid MediaId, Guid OwnerId, string FileName, double DurationSeconds, int[] Renditions) : IntegrationEvent
{
    /// <summary>
    /// The member's name before it became <c>file_name</c>: a message published before content's rename may still be in
    /// flight during a rolling deploy. Read when <c>file_name</c> is absent, never written (docs/api-conventions.md).
    /// </summary>
    [JsonPropertyName("filename")]
    public string? LegacyFileName { init => FileName ??= value!; }
}

[RoutingKey("content.media.failed")]
public sealed record MediaFailed(Guid MediaId, Guid OwnerId, string FileName, string Error) : IntegrationEvent
{
    /// <summary>
    /// The member's name before it became <c>file_name</c>: a message published before content's rename may still be in
    /// flight during a rolling deploy. Read when <c>file_name</c> is absent, never written (docs/api-conventions.md).
    /// </summary>
    [JsonPropertyName("filename")]
    public string? LegacyFileName { init => FileName ??= value!; }
}

// Learning records: enrolments, assignments and completions (content's events, same rule: copied by JSON shape).

/// <summary>A user is enrolled in a course: by themselves (<c>source</c> = <c>self</c>) or assigned by a manager or admin (<c>assigned</c>).</summary>
[RoutingKey("content.enrolment.created")]
public sealed record EnrolmentCreated(Guid CourseId, string CourseTitle, Guid UserId, string Source, DateTimeOffset? DueAt, Guid? AssignedBy)
    : IntegrationEvent
{
    public const string Assigned = "assigned";
}

/// <summary>An assigned course's due date is near (once per enrolment and due date).</summary>
[RoutingKey("content.enrolment.due_soon")]
public sealed record EnrolmentDueSoon(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset DueAt, int DaysLeft) : IntegrationEvent;

/// <summary>An assigned course's due date passed without completion (once per enrolment and due date).</summary>
[RoutingKey("content.enrolment.overdue")]
public sealed record EnrolmentOverdue(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset DueAt) : IntegrationEvent;

/// <summary>A learner completed a course (once per learner and course).</summary>
[RoutingKey("content.course.completed")]
public sealed record CourseCompleted(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;
