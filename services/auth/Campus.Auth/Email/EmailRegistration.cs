using Campus.Auth.Data;
using Campus.Auth.Passwords;
using Campus.Auth.Tokens;
using Campus.Auth.Users;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Email;

/// <summary>What a registration came to; the API maps it to a status and a problem code.</summary>
public abstract record EmailRegistrationResult
{
    /// <summary>
    /// The one answer for every address (new, unconfirmed, taken): if it was new or unconfirmed, a link valid for
    /// <paramref name="ConfirmationExpiresIn"/> is on its way.
    /// </summary>
    public sealed record Accepted(string Email, TimeSpan ConfirmationExpiresIn) : EmailRegistrationResult;
    /// <summary>The password breaks <see cref="PasswordPolicy"/>; <paramref name="Detail"/> says how.</summary>
    public sealed record WeakPassword(string Detail) : EmailRegistrationResult;
}

/// <summary>What confirming an address came to; the API maps it to a status and a problem code.</summary>
public abstract record EmailConfirmationResult
{
    public sealed record Confirmed : EmailConfirmationResult;
    /// <summary>The token is unknown, spent or expired.</summary>
    public sealed record InvalidToken : EmailConfirmationResult;
}

/// <summary>
/// Registration with an e-mail address and a password, and its confirmation by the mailed link. Registration answers
/// the same for every address and mails a link only for a new or unconfirmed one (at most one per
/// <see cref="EmailOptions.ResendInterval"/>); confirming activates the account, announces it once and ends every
/// session it had. The caller has checked the shape of the input; <c>email</c> is normalized.
/// </summary>
public sealed class EmailRegistration(
    AuthDbContext db,
    EmailTokens tokens,
    PasswordHashing passwords,
    TokenIssuer issuer,
    TimeProvider time,
    EmailMetrics metrics,
    IOptions<EmailOptions> options)
{
    public async Task<EmailRegistrationResult> RegisterAsync(string email, string password, CancellationToken ct)
    {
        if (PasswordPolicy.Weakness(password, email) is { } weakness)
        {
            metrics.Registration("weak_password");
            return new EmailRegistrationResult.WeakPassword(weakness);
        }

        var passwordHash = passwords.Hash(password);
        // One answer for every address (new, unconfirmed, taken), so registration tells nobody which addresses have
        // accounts; what differs is only what gets mailed.
        var accepted = new EmailRegistrationResult.Accepted(email, EmailTokens.ConfirmationLifetime);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // One registration per address at a time, on every replica: two at once cannot both mail a link.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({email}, 1))", ct);
        var now = time.GetUtcNow();
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);
        if (user is null)
        {
            user = new User { Email = email, Status = UserStatus.PendingConfirmation, CreatedAt = now, UpdatedAt = now };
            db.Users.Add(user);
        }
        else if (user.Status != UserStatus.PendingConfirmation)
        {
            // Taken: nothing is mailed (the owner can use password reset) and nothing changes.
            metrics.Registration("email_taken");
            return accepted;
        }
        else if (await tokens.SentRecentlyAsync(user.Id, EmailTokenPurpose.Confirm, options.Value.ResendInterval, ct))
        {
            // At most one confirmation mail per address per Auth:Email:ResendInterval: the earlier link still works.
            metrics.Registration("resend_suppressed");
            return accepted;
        }

        // The latest registration's password answers "email_not_confirmed" at sign-in; the link applies its own.
        user.PasswordHash = passwordHash;
        user.UpdatedAt = now;
        var (token, row) = await tokens.IssueAsync(user.Id, EmailTokenPurpose.Confirm, passwordHash, ct);
        db.AddOutboxMessage(new UserEmailConfirmationRequested(user.Id, email, token, row.ExpiresAt) { OccurredAt = now });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        metrics.Registration("accepted");
        return accepted;
    }

    public async Task<EmailConfirmationResult> ConfirmAsync(string presented, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var token = await tokens.FindUsableAsync(presented, EmailTokenPurpose.Confirm, ct);
        if (token is null || !await tokens.TrySpendAsync(token, ct))
        {
            return new EmailConfirmationResult.InvalidToken();
        }

        var now = time.GetUtcNow();
        var user = await db.Users.SingleAsync(u => u.Id == token.UserId, ct);
        user.EmailConfirmedAt ??= now;
        user.PasswordHash = token.PasswordHash ?? user.PasswordHash;
        // A blocked account stays blocked; confirming proves the address, it does not lift an admin's decision.
        if (user.Status == UserStatus.PendingConfirmation)
        {
            user.Status = UserStatus.Active;
            // The account exists for the rest of Campus from here (profile, chat, notifications, content learn of it),
            // as a phone sign-up's does at once: announced once, with the confirmation, in its transaction.
            db.AddOutboxMessage(new UserRegistered(user.Id, user.Phone, user.Email, user.Roles) { OccurredAt = now });
        }
        user.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        // Whoever held the account before the owner proved the address loses every session.
        var version = await issuer.RevokeAllSessionsAsync(user.Id, "email_confirmed", ct);
        await transaction.CommitAsync(ct);
        await issuer.AnnounceUserRevokedAsync(user.Id, version);
        return new EmailConfirmationResult.Confirmed();
    }
}
