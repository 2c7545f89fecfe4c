using Campus.Messaging;

namespace Campus.Notifications.Auth;

// auth's events, copied by their JSON shape (services share no code).

/// <summary>A new account exists; its e-mail (if any) becomes the contact's.</summary>
[RoutingKey("auth.user.registered")]
public sealed record UserRegistered(Guid UserId, string? Phone, string? Email, string[] Roles) : IntegrationEvent;

/// <summary>A user must confirm <see cref="Email"/>; <see cref="Token"/> is the plain single-use token for the link.</summary>
[RoutingKey("auth.user.email_confirmation_requested")]
public sealed record UserEmailConfirmationRequested(Guid UserId, string Email, string Token, DateTimeOffset ExpiresAt) : IntegrationEvent;

/// <summary>A user asked to reset a forgotten password; plain token as above.</summary>
[RoutingKey("auth.user.password_reset_requested")]
public sealed record UserPasswordResetRequested(Guid UserId, string Email, string Token, DateTimeOffset ExpiresAt) : IntegrationEvent;
