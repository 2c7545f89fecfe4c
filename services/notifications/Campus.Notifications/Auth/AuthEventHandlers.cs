using System.Globalization;
using Campus.Messaging;
using Campus.Notifications.Data;
using Campus.Notifications.Sending;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Auth;

/// <summary>Keeps the e-mail of a new account as the user's contact (a repeated event changes nothing).</summary>
public sealed class KeepContactOnRegistration(NotificationsDbContext db, TimeProvider time) : IIntegrationEventHandler<UserRegistered>
{
    public Task HandleAsync(UserRegistered evt, MessageContext context, CancellationToken cancellationToken) =>
        Contacts.KeepEmailAsync(db, evt.UserId, evt.Email, time.GetUtcNow(), cancellationToken);
}

/// <summary>Mails the confirmation link to the address being confirmed (critical: settings are not consulted).</summary>
public sealed class SendEmailConfirmation(NotificationsDbContext db, Notifier notifier, IOptions<NotificationsOptions> options, TimeProvider time)
    : IIntegrationEventHandler<UserEmailConfirmationRequested>
{
    public const string Path = "/confirm-email";

    public async Task HandleAsync(UserEmailConfirmationRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        await Contacts.KeepEmailAsync(db, evt.UserId, evt.Email, time.GetUtcNow(), cancellationToken);
        var link = options.Value.Link($"{Path}?token={Uri.EscapeDataString(evt.Token)}");
        await notifier.NotifyAsync(evt.Id, NotificationTypes.EmailConfirmation,
            [new Addressee(evt.UserId, Contacts.LinkValues(evt.Email, link, evt.ExpiresAt), evt.Email)], cancellationToken);
    }
}

/// <summary>Mails the password reset link to the account's address (critical).</summary>
public sealed class SendPasswordReset(NotificationsDbContext db, Notifier notifier, IOptions<NotificationsOptions> options, TimeProvider time)
    : IIntegrationEventHandler<UserPasswordResetRequested>
{
    public const string Path = "/reset-password";

    public async Task HandleAsync(UserPasswordResetRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        await Contacts.KeepEmailAsync(db, evt.UserId, evt.Email, time.GetUtcNow(), cancellationToken);
        var link = options.Value.Link($"{Path}?token={Uri.EscapeDataString(evt.Token)}");
        await notifier.NotifyAsync(evt.Id, NotificationTypes.PasswordReset,
            [new Addressee(evt.UserId, Contacts.LinkValues(evt.Email, link, evt.ExpiresAt), evt.Email)], cancellationToken);
    }
}

internal static class Contacts
{
    /// <summary>
    /// Creates the contact of <paramref name="userId"/> or sets its e-mail. Set-based with ON CONFLICT, so events about
    /// the same user may arrive in any order and twice; a null address never erases a known one.
    /// </summary>
    public static async Task KeepEmailAsync(NotificationsDbContext db, Guid userId, string? email, DateTimeOffset now, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO contacts (user_id, email, locale, updated_at) VALUES ({userId}, {email}, {Locales.Default}, {now})
            ON CONFLICT (user_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, contacts.email),
                updated_at = CASE WHEN EXCLUDED.email IS NOT NULL THEN EXCLUDED.updated_at ELSE contacts.updated_at END
            """,
            ct);

    public static Dictionary<string, object?> LinkValues(string email, string link, DateTimeOffset expiresAt) => new()
    {
        ["email"] = email,
        ["link"] = link,
        ["expires_at"] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
    };
}
