using Campus.Messaging;

namespace Campus.Auth.Users;

/// <summary>A new user account exists (first phone sign-in); the profile service creates its profile.</summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;
