using Campus.Messaging;

namespace Campus.Profile.Profiles;

/// <summary>
/// auth's event, copied by its JSON shape (services share no code): a new account exists.
/// </summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;

/// <summary>A profile changed; <see cref="ChangedFields"/> are wire names such as <c>display_name</c>.</summary>
// The library requires service.entity.verb, so the "profile.updated" is spelled in full.
[RoutingKey("profile.profile.updated")]
public sealed record ProfileUpdated(Guid UserId, string[] ChangedFields, Guid ChangedBy) : IntegrationEvent;
