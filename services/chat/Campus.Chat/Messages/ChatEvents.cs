using Campus.Messaging;

namespace Campus.Chat.Messages;

/// <summary>
/// How many messages authors have posted on UTC days, as running totals (deleted messages included): published by
/// <see cref="ChatActivityPublisher"/> for the (author, day) pairs that gained messages since their last publication,
/// at most 500 pairs an event, and for every pair when analytics asks for a rebuild. A total never shrinks, so a
/// consumer keeps the larger of what it holds and what it reads: a late, repeated or re-ordered event changes nothing.
/// Totals instead of an event per message: analytics' count is all that reads them, and an event per post cost the
/// post path more CPU than the post itself (services/chat/README.md, "Activity counts").
/// </summary>
[RoutingKey("chat.activity.counted")]
public sealed record ChatActivityCounted(IReadOnlyList<ChatActivityCount> Counts) : IntegrationEvent;

/// <summary>The messages <see cref="UserId"/> posted on the UTC day <see cref="Day"/>, so far.</summary>
public sealed record ChatActivityCount(Guid UserId, DateOnly Day, int Messages);

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
