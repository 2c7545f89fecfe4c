using Campus.Messaging;

namespace Campus.Profile.Profiles;

/// <summary>
/// auth's event, copied by its JSON shape (services share no code): a new account exists.
/// </summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;

/// <summary>
/// A profile was created (<see cref="ChangedFields"/> empty) or changed; <see cref="ChangedFields"/> are wire names such
/// as <c>display_name</c>. <see cref="Department"/> and <see cref="TimeZone"/> are always the profile's current values
/// after the change, whatever changed, so a consumer keeps its copy of them without reading profile's database; so is
/// <see cref="DisplayName"/>.
/// </summary>
// The library requires service.entity.verb, so "profile.updated" is spelled in full.
[RoutingKey("profile.profile.updated")]
public sealed record ProfileUpdated(
    Guid UserId, string[] ChangedFields, Guid ChangedBy, string? Department, string? TimeZone, string? DisplayName = null)
    : IntegrationEvent
{
    /// <summary>The event of <paramref name="profile"/>'s current state.</summary>
    public static ProfileUpdated Of(UserProfile profile, string[] changedFields, Guid changedBy) =>
        new(profile.UserId, changedFields, changedBy, profile.Department, profile.TimeZone, profile.DisplayName);
}

/// <summary>
/// A profile's current state, re-published for every profile when analytics asks for a rebuild
/// (<see cref="RebuildRequested"/>); content keeps departments and time zones from it too. No notification reacts to it.
/// </summary>
[RoutingKey("profile.profile.snapshot")]
public sealed record ProfileSnapshot(Guid UserId, string? DisplayName, string? Department, string? TimeZone) : IntegrationEvent;

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;
