using Campus.Auth.Data;
using Campus.Auth.Email;
using Campus.Auth.Tokens;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Passwords;

/// <summary>What setting a new password with a reset link came to; the API maps it to a status and a problem code.</summary>
public abstract record PasswordResetResult
{
    public sealed record Completed : PasswordResetResult;
    /// <summary>The token is unknown, spent or expired, or its account no longer exists.</summary>
    public sealed record InvalidToken : PasswordResetResult;
    /// <summary>The password breaks <see cref="PasswordPolicy"/>; <paramref name="Detail"/> says how. The link still works.</summary>
    public sealed record WeakPassword(string Detail) : PasswordResetResult;
}

/// <summary>
/// The forgotten-password flow: a reset link mailed to an active account (at most one per
/// <see cref="EmailOptions.ResendInterval"/>, and nothing that tells a caller whether the address has one), then a new
/// password set with the link's token, which ends every session of the account and lifts its sign-in lockout.
/// </summary>
public sealed class PasswordReset(
    AuthDbContext db,
    EmailTokens tokens,
    PasswordHashing passwords,
    LoginLockout lockout,
    TokenIssuer issuer,
    TimeProvider time,
    EmailMetrics metrics,
    IOptions<EmailOptions> options)
{
    /// <summary>Mails a reset link to the active account of <paramref name="email"/> (normalized), if there is one.</summary>
    /// <remarks>Nothing is returned: the answer is the same whether a link was mailed or not.</remarks>
    public async Task RequestAsync(string email, CancellationToken ct)
    {
        // REVIEW: the answer is the same for every address, but its time still differs by a few milliseconds
        // (one insert); the edge's per-IP limit on /api/auth/* keeps that from being worth measuring.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var user = await db.Users.AsNoTracking()
            .SingleOrDefaultAsync(u => u.Email == email && u.Status == UserStatus.Active, ct);
        // At most one reset mail per account per Auth:Email:ResendInterval; more requests answer 202 and send nothing.
        var recentlySent = user is not null && await tokens.SentRecentlyAsync(user.Id, EmailTokenPurpose.Reset, options.Value.ResendInterval, ct);
        if (user is not null && !recentlySent)
        {
            var (token, row) = await tokens.IssueAsync(user.Id, EmailTokenPurpose.Reset, passwordHash: null, ct);
            db.AddOutboxMessage(new UserPasswordResetRequested(user.Id, email, token, row.ExpiresAt) { OccurredAt = now });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            metrics.PasswordReset("requested");
        }
    }

    /// <summary>Sets <paramref name="password"/> (its length checked by the caller) with the reset token <paramref name="presented"/>.</summary>
    public async Task<PasswordResetResult> ResetAsync(string presented, string password, CancellationToken ct)
    {
        var token = await tokens.FindUsableAsync(presented, EmailTokenPurpose.Reset, ct);
        var user = token is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == token.UserId, ct);
        if (token is null || user is null)
        {
            return new PasswordResetResult.InvalidToken();
        }
        // Checked before the token is spent, so the user can try another password with the same link.
        if (PasswordPolicy.Weakness(password, user.Email) is { } weakness)
        {
            return new PasswordResetResult.WeakPassword(weakness);
        }
        var passwordHash = passwords.Hash(password);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The conditional spend decides between concurrent resets with the same token, whatever they read above.
        if (!await tokens.TrySpendAsync(token, ct))
        {
            return new PasswordResetResult.InvalidToken();
        }
        user.PasswordHash = passwordHash;
        user.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        // A reset is what a user does when someone else may know the password: every session ends.
        var version = await issuer.RevokeAllSessionsAsync(user.Id, "password_reset", ct);
        if (user.Email is not null)
        {
            // The new password is not what the failed guesses were aimed at.
            await lockout.ResetAsync(user.Email, ct);
        }
        await transaction.CommitAsync(ct);
        await issuer.AnnounceUserRevokedAsync(user.Id, version);
        metrics.PasswordReset("completed");
        return new PasswordResetResult.Completed();
    }
}
