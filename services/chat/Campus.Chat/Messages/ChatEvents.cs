using Campus.Messaging;

namespace Campus.Chat.Messages;

/// <summary>A message was posted (after its commit, through the outbox). Nobody consumes it yet.</summary>
[RoutingKey("chat.message.posted")]
public sealed record ChatMessagePosted(Guid ChatId, long Seq, Guid AuthorId) : IntegrationEvent;
