using Campus.Messaging;

namespace Campus.Content.Data;

/// <summary>
/// The transcode job message: the worker consumes it on queue <see cref="Queue"/>. The <see cref="TranscodeJob"/> row is
/// the source of truth (written in the same transaction); the message only says "look at this job".
/// </summary>
[RoutingKey("content.transcode.requested")]
public sealed record TranscodeRequested(Guid JobId, Guid MediaId) : IntegrationEvent
{
    /// <summary>The work queue of the transcode worker.</summary>
    public const string Queue = "content.transcode";
}

/// <summary>
/// A course was created (a draft). Other services learn from it that the course exists and who its author is (chat
/// lets only the author or an admin open a course's chat); the author never changes.
/// </summary>
[RoutingKey("content.course.created")]
public sealed record CourseCreated(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

/// <summary>A course was deleted with its sections and materials.</summary>
[RoutingKey("content.course.deleted")]
public sealed record CourseDeleted(Guid CourseId, Guid AuthorId) : IntegrationEvent;

/// <summary>An author published a course (emitted once per draft → published transition).</summary>
[RoutingKey("content.course.published")]
public sealed record CoursePublished(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

/// <summary>A video was transcoded and can be streamed (emitted by the worker).</summary>
[RoutingKey("content.media.ready")]
public sealed record MediaReady(Guid MediaId, Guid OwnerId, string FileName, double DurationSeconds, int[] Renditions) : IntegrationEvent;

/// <summary>A video could not be transcoded; <see cref="Error"/> is the readable reason (emitted by the worker).</summary>
[RoutingKey("content.media.failed")]
public sealed record MediaFailed(Guid MediaId, Guid OwnerId, string FileName, string Error) : IntegrationEvent;

/// <summary>A learner was enrolled in a course, by themselves (<c>self</c>) or by an assignment (<c>assigned</c>).</summary>
[RoutingKey("content.enrolment.created")]
public sealed record EnrolmentCreated(Guid CourseId, string CourseTitle, Guid UserId, string Source, DateTimeOffset? DueAt, Guid? AssignedBy)
    : IntegrationEvent;

/// <summary>An assignment was withdrawn and the learner's assigned enrolment removed (their progress stays).</summary>
[RoutingKey("content.enrolment.withdrawn")]
public sealed record AssignmentWithdrawn(Guid CourseId, string CourseTitle, Guid UserId, Guid WithdrawnBy) : IntegrationEvent;

/// <summary>The due date of an enrolment changed (null: no due date any more).</summary>
[RoutingKey("content.enrolment.due_changed")]
public sealed record DueDateChanged(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset? DueAt) : IntegrationEvent;

/// <summary>Once per enrolment and due date, when it is within <c>Content:Learning:DueSoonDays</c> days and not completed.</summary>
[RoutingKey("content.enrolment.due_soon")]
public sealed record EnrolmentDueSoon(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset DueAt, int DaysLeft) : IntegrationEvent;

/// <summary>Exactly once per enrolment and due date, when the due date passed without completion.</summary>
[RoutingKey("content.enrolment.overdue")]
public sealed record EnrolmentOverdue(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset DueAt) : IntegrationEvent;

/// <summary>A learner completed a material (marked done, or watched enough of a video); once per learner and material.</summary>
[RoutingKey("content.material.completed")]
public sealed record MaterialCompleted(Guid CourseId, Guid MaterialId, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

/// <summary>A learner completed every published material of a course; exactly once per learner and course.</summary>
[RoutingKey("content.course.completed")]
public sealed record CourseCompleted(Guid CourseId, string CourseTitle, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

/// <summary>An author archived a course (emitted once per transition to archived).</summary>
[RoutingKey("content.course.archived")]
public sealed record CourseArchived(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

/// <summary>
/// A material was created or changed (title, kind, published flag, video, or its <see cref="Position"/> within its
/// section after a reorder or a deletion before it): its current state. <see cref="Kind"/> is text, link, document or video.
/// </summary>
[RoutingKey("content.material.changed")]
public sealed record MaterialChanged(Guid MaterialId, Guid CourseId, string Title, string Kind, bool Published, Guid? MediaId, int Position)
    : IntegrationEvent
{
    public static MaterialChanged Of(Material material, Guid courseId, DateTimeOffset now) =>
        new(material.Id, courseId, material.Title, EnumText.Name(material.Kind), material.IsPublished, material.MediaId, material.Position)
        {
            OccurredAt = now,
        };
}

/// <summary>A material was deleted (alone or with its section; a deleted course announces only <see cref="CourseDeleted"/>).</summary>
[RoutingKey("content.material.deleted")]
public sealed record MaterialDeleted(Guid MaterialId, Guid CourseId) : IntegrationEvent;

// Snapshots: content's current state, re-published when analytics asks for a rebuild; no notification reacts to them.

/// <summary>A course's current state (<see cref="State"/> draft, published or archived).</summary>
[RoutingKey("content.course.snapshot")]
public sealed record CourseSnapshot(Guid CourseId, string Title, Guid AuthorId, string State, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt)
    : IntegrationEvent;

/// <summary>A material's current state (the shape of <see cref="MaterialChanged"/>).</summary>
[RoutingKey("content.material.snapshot")]
public sealed record MaterialSnapshot(Guid MaterialId, Guid CourseId, string Title, string Kind, bool Published, Guid? MediaId, int Position)
    : IntegrationEvent;

/// <summary>
/// An enrolment's current state with its progress: <see cref="DoneMaterials"/> of <see cref="TotalMaterials"/> published
/// materials, the course completion, and <see cref="OverdueAt"/> (its due date, when it was announced overdue).
/// </summary>
[RoutingKey("content.enrolment.snapshot")]
public sealed record EnrolmentSnapshot(
    Guid CourseId, Guid UserId, string Source, DateTimeOffset EnrolledAt, DateTimeOffset? DueAt, int DoneMaterials, int TotalMaterials,
    DateTimeOffset? CompletedAt, DateTimeOffset? OverdueAt) : IntegrationEvent;

/// <summary>A learner's completed material (the facts of <see cref="MaterialCompleted"/>).</summary>
[RoutingKey("content.material_completion.snapshot")]
public sealed record MaterialCompletionSnapshot(Guid CourseId, Guid MaterialId, Guid UserId, DateTimeOffset CompletedAt) : IntegrationEvent;

/// <summary>An uploaded video's state: processing (queued or transcoding), ready or failed; uploads in progress are left out.</summary>
[RoutingKey("content.media.snapshot")]
public sealed record MediaSnapshot(Guid MediaId, Guid OwnerId, string FileName, string State, double? DurationSeconds, string? Error)
    : IntegrationEvent;

/// <summary>A learner left a course they had enrolled in by themselves (their progress stays).</summary>
[RoutingKey("content.enrolment.left")]
public sealed record EnrolmentLeft(Guid CourseId, Guid UserId) : IntegrationEvent;
