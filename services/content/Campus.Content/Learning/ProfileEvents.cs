using Campus.Messaging;

namespace Campus.Content.Learning;

/// <summary>
/// Profile's event (copied by its JSON shape): published on every profile change and when a profile is created
/// (<see cref="ChangedFields"/> empty then), with the profile's current <see cref="Department"/> and IANA <see cref="TimeZone"/>.
/// </summary>
[RoutingKey("profile.profile.updated")]
public sealed record ProfileUpdated(Guid UserId, string[] ChangedFields, Guid ChangedBy, string? Department, string? TimeZone) : IntegrationEvent;

/// <summary>
/// Profile's snapshot (copied by its JSON shape): a profile's current state, re-published on an analytics rebuild. Content
/// keeps its learners from it as from <see cref="ProfileUpdated"/>, so people it never heard of get known.
/// </summary>
[RoutingKey("profile.profile.snapshot")]
public sealed record ProfileSnapshot(Guid UserId, string? DisplayName, string? Department, string? TimeZone) : IntegrationEvent;

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
