using Campus.Messaging;

namespace Campus.Auth.Email;

/// <summary>
/// A user registered (or registered again) with an e-mail address that is not confirmed yet; the notifications service
/// mails them the link. <see cref="Token"/> is the plain token: it exists only in this event on its way to the mail,
/// the auth database keeps its hash.
/// </summary>
[RoutingKey("auth.user.email_confirmation_requested")]
public sealed record UserEmailConfirmationRequested(Guid UserId, string Email, string Token, DateTimeOffset ExpiresAt)
    : IntegrationEvent;

/// <summary>A user asked to reset a forgotten password; the notifications service mails them the link. Plain token, as above.</summary>
[RoutingKey("auth.user.password_reset_requested")]
public sealed record UserPasswordResetRequested(Guid UserId, string Email, string Token, DateTimeOffset ExpiresAt)
    : IntegrationEvent;
