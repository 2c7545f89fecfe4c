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
public sealed record MediaReady(Guid MediaId, Guid OwnerId, string Filename, double DurationSeconds, int[] Renditions) : IntegrationEvent;

/// <summary>A video could not be transcoded; <see cref="Error"/> is the readable reason (emitted by the worker).</summary>
[RoutingKey("content.media.failed")]
public sealed record MediaFailed(Guid MediaId, Guid OwnerId, string Filename, string Error) : IntegrationEvent;
