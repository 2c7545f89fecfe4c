using Campus.Messaging;

namespace Campus.Chat.Registry;

// Events of auth and content, copied by their JSON shape (services share no code). Only the fields chat uses.

/// <summary>auth: a new account exists.</summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId) : IntegrationEvent;

/// <summary>content: a course was created (a draft) by <see cref="AuthorId"/>.</summary>
[RoutingKey("content.course.created")]
public sealed record CourseCreated(Guid CourseId, Guid AuthorId) : IntegrationEvent;

/// <summary>content: a course was published; also teaches chat about courses created before <see cref="CourseCreated"/> existed.</summary>
[RoutingKey("content.course.published")]
public sealed record CoursePublished(Guid CourseId, Guid AuthorId) : IntegrationEvent;

/// <summary>content: a course was deleted.</summary>
[RoutingKey("content.course.deleted")]
public sealed record CourseDeleted(Guid CourseId, Guid AuthorId) : IntegrationEvent;
