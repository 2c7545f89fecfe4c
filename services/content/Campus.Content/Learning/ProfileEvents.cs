using Campus.Messaging;

namespace Campus.Content.Learning;

/// <summary>
/// Profile's event (copied by its JSON shape): published on every profile change and when a profile is created
/// (<see cref="ChangedFields"/> empty then), with the profile's current <see cref="Department"/> and IANA <see cref="TimeZone"/>.
/// </summary>
[RoutingKey("profile.profile.updated")]
public sealed record ProfileUpdated(Guid UserId, string[] ChangedFields, Guid ChangedBy, string? Department, string? TimeZone) : IntegrationEvent;
