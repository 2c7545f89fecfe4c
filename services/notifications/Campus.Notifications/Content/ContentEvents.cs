using Campus.Messaging;

namespace Campus.Notifications.Content;

// content's events, copied by their JSON shape (services share no code).

[RoutingKey("content.course.published")]
public sealed record CoursePublished(Guid CourseId, string Title, Guid AuthorId) : IntegrationEvent;

[RoutingKey("content.media.ready")]
public sealed record MediaReady(Guid MediaId, Guid OwnerId, string Filename, double DurationSeconds, int[] Renditions) : IntegrationEvent;

[RoutingKey("content.media.failed")]
public sealed record MediaFailed(Guid MediaId, Guid OwnerId, string Filename, string Error) : IntegrationEvent;
