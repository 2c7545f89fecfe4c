using Campus.Messaging;

namespace Campus.Chat.Messages;

/// <summary>A message was posted (after its commit, through the outbox); analytics counts it per author and day.</summary>
[RoutingKey("chat.message.posted")]
public sealed record ChatMessagePosted(Guid ChatId, long Seq, Guid AuthorId) : IntegrationEvent;

/// <summary>
/// How many messages <see cref="UserId"/> posted on the UTC day <see cref="Day"/> (deleted ones included, as they were
/// announced when posted); re-published for every author and day when analytics asks for a rebuild. No notification
/// reacts to it.
/// </summary>
[RoutingKey("chat.activity.snapshot")]
public sealed record ChatActivitySnapshot(Guid UserId, DateOnly Day, int Messages) : IntegrationEvent;

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
