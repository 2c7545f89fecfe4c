using Campus.Auth.Data;
using Campus.Messaging;

namespace Campus.Auth.Users;

/// <summary>A new user account exists (first phone sign-in); the profile service creates its profile.</summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;

/// <summary>
/// A user's roles or status changed (role change, block, unblock, bootstrap admin grant): their current
/// <see cref="Roles"/> and <see cref="Status"/> (<c>active</c>, <c>pending_confirmation</c>, <c>blocked</c>).
/// </summary>
[RoutingKey("auth.user.changed")]
public sealed record UserChanged(Guid UserId, string[] Roles, string Status) : IntegrationEvent
{
    public static UserChanged Of(User user, DateTimeOffset now) =>
        new(user.Id, user.Roles, UserStatusText.Of(user.Status)) { OccurredAt = now };
}

/// <summary>A user signed in (<see cref="Method"/> <c>phone</c> or <c>email</c>); a refresh is no sign-in.</summary>
[RoutingKey("auth.user.signed_in")]
public sealed record UserSignedIn(Guid UserId, string Method) : IntegrationEvent;

/// <summary>
/// A user's current state, re-published for every announced user (not those still waiting for their e-mail confirmation)
/// when analytics asks for a rebuild (<see cref="RebuildRequested"/>); no notification reacts to it.
/// </summary>
[RoutingKey("auth.user.snapshot")]
public sealed record UserSnapshot(
    Guid UserId, string? Phone, string? Email, string[] Roles, string Status, DateTimeOffset RegisteredAt, DateTimeOffset? LastSignInAt)
    : IntegrationEvent;

/// <summary>Analytics' event (copied by its JSON shape): it emptied its facts and asks every owner for its current state.</summary>
[RoutingKey("analytics.rebuild.requested")]
public sealed record RebuildRequested(Guid RebuildId) : IntegrationEvent;

internal static class UserStatusText
{
    public static string Of(UserStatus status) => status switch
    {
        UserStatus.Active => "active",
        UserStatus.PendingConfirmation => "pending_confirmation",
        _ => "blocked",
    };
}
