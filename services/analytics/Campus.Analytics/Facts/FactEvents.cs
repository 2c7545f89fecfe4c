using System.Text.Json.Serialization;
using Campus.Messaging;

namespace Campus.Analytics.Facts;

// The owners' events analytics keeps facts from, copied by their JSON shape (services share no code). Snapshots are the
// owners' current state, re-published after a rebuild request.

[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;

/// <summary><see cref="Status"/>: active, pending_confirmation or blocked.</summary>
[RoutingKey("auth.user.changed")]
public sealed record UserChanged(Guid UserId, string[] Roles, string Status) : IntegrationEvent;

[RoutingKey("auth.user.signed_in")]
public sealed record UserSignedIn(Guid UserId, string Method) : IntegrationEvent;

[RoutingKey("auth.user.snapshot")]
public sealed record UserSnapshot(
    Guid UserId, string? Phone, string? Email, string[] Roles, string Status, DateTimeOffset RegisteredAt, DateTimeOffset? LastSignInAt)
    : IntegrationEvent;

[RoutingKey("profile.profile.updated")]
public sealed record ProfileUpdated(Guid UserId, string? Department, string? TimeZone, string? DisplayName) : IntegrationEvent;

[RoutingKey("profile.profile.snapshot")]
public sealed record ProfileSnapshot(Guid UserId, string? DisplayName, string? Department, string? TimeZone) : IntegrationEvent;

[RoutingKey("content.course.created")]
public sealed record CourseCreated(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.course.published")]
public sealed record CoursePublished(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.course.archived")]
public sealed record CourseArchived(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.course.deleted")]
public sealed record CourseDeleted(Guid CourseId, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.course.snapshot")]
public sealed record CourseSnapshot(Guid CourseId, string Title, Guid AuthorId, string State, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt)
    : IntegrationEvent;

[RoutingKey("content.material.changed")]
public sealed record MaterialChanged(Guid MaterialId, Guid CourseId, string Title, string Kind, bool Published, Guid? MediaId, int Position)
    : IntegrationEvent;

[RoutingKey("content.material.snapshot")]
public sealed record MaterialSnapshot(Guid MaterialId, Guid CourseId, string Title, string Kind, bool Published, Guid? MediaId, int Position)
    : IntegrationEvent;

[RoutingKey("content.material.deleted")]
public sealed record MaterialDeleted(Guid MaterialId, Guid CourseId) : IntegrationEvent;

[RoutingKey("content.media.ready")]
public sealed record MediaReady(Guid MediaId, Guid OwnerId, string FileName, double DurationSeconds) : IntegrationEvent
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

[RoutingKey("content.media.snapshot")]
public sealed record MediaSnapshot(Guid MediaId, Guid OwnerId, string FileName, string State, double? DurationSeconds, string? Error)
    : IntegrationEvent
{
    /// <summary>
    /// The member's name before it became <c>file_name</c>: a message published before content's rename may still be in
    /// flight during a rolling deploy. Read when <c>file_name</c> is absent, never written (docs/api-conventions.md).
    /// </summary>
    [JsonPropertyName("filename")]
    public string? LegacyFileName { init => FileName ??= value!; }
}

[RoutingKey("content.enrolment.created")]
public sealed record EnrolmentCreated(Guid CourseId, Guid UserId, string Source, DateTimeOffset? DueAt) : IntegrationEvent;

[RoutingKey("content.enrolment.withdrawn")]
public sealed record AssignmentWithdrawn(Guid CourseId, Guid UserId) : IntegrationEvent;

[RoutingKey("content.enrolment.left")]
public sealed record EnrolmentLeft(Guid CourseId, Guid UserId) : IntegrationEvent;

[RoutingKey("content.enrolment.due_changed")]
public sealed record DueDateChanged(Guid CourseId, Guid UserId, DateTimeOffset? DueAt) : IntegrationEvent;

[RoutingKey("content.enrolment.overdue")]
public sealed record EnrolmentOverdue(Guid CourseId, Guid UserId, DateTimeOffset DueAt) : IntegrationEvent;

[RoutingKey("content.enrolment.snapshot")]
public sealed record EnrolmentSnapshot(
    Guid CourseId, Guid UserId, string Source, DateTimeOffset EnrolledAt, DateTimeOffset? DueAt, int DoneMaterials, int TotalMaterials,
    DateTimeOffset? CompletedAt, DateTimeOffset? OverdueAt) : IntegrationEvent;

[RoutingKey("content.material.completed")]
public sealed record MaterialCompleted(Guid CourseId, Guid MaterialId, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

[RoutingKey("content.material_completion.snapshot")]
public sealed record MaterialCompletionSnapshot(Guid CourseId, Guid MaterialId, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

[RoutingKey("content.course.completed")]
public sealed record CourseCompleted(Guid CourseId, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

/// <summary>Running totals of the messages authors posted on UTC days; a total never shrinks.</summary>
[RoutingKey("chat.activity.counted")]
public sealed record ChatActivityCounted(IReadOnlyList<ChatActivityCount> Counts) : IntegrationEvent;

/// <summary>The messages a user posted on one UTC day, so far.</summary>
public sealed record ChatActivityCount(Guid UserId, DateOnly Day, int Messages);

[RoutingKey("notifications.delivery.completed")]
public sealed record DeliveryCompleted(Guid NotificationId, Guid UserId, string NotificationType, string Channel, string State, int Attempts) : IntegrationEvent;

[RoutingKey("notifications.delivery.snapshot")]
public sealed record DeliverySnapshot(Guid NotificationId, Guid UserId, string NotificationType, string Channel, string State, int Attempts) : IntegrationEvent;

/// <summary>Analytics emptied its facts and asks every owner for its current state (published by <see cref="RebuildApi"/>).</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
