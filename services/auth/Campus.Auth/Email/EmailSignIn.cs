using Campus.Auth.Data;
using Campus.Auth.Passwords;
using Campus.Auth.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Email;

/// <summary>What an e-mail sign-in came to; the API maps it to a status and a problem code.</summary>
public abstract record EmailSignInResult
{
    public sealed record SignedIn(TokenResponse Tokens) : EmailSignInResult;
    /// <summary>The address is locked (too many failures within <see cref="LoginLockout.Window"/>).</summary>
    public sealed record Locked(TimeSpan RetryAfter) : EmailSignInResult;
    /// <summary>Unknown address or wrong password: the same answer for both.</summary>
    public sealed record InvalidCredentials : EmailSignInResult;
    public sealed record Blocked : EmailSignInResult;
    public sealed record NotConfirmed : EmailSignInResult;
}

/// <summary>
/// E-mail sign-in: the lockout (<see cref="LoginLockout"/>), the password check, the account's state and the tokens.
/// The caller has checked the shape of the input; <c>email</c> is normalized (a malformed address is passed lowercased,
/// so it fails like an unknown one and is locked like one).
/// </summary>
public sealed class EmailSignIn(
    AuthDbContext db,
    PasswordHashing passwords,
    LoginLockout lockout,
    TokenIssuer issuer,
    EmailMetrics metrics,
    AuthMetrics authMetrics,
    ILogger<EmailSignIn> logger)
{
    public async Task<EmailSignInResult> SignInAsync(string email, string password, bool rememberMe, CancellationToken ct)
    {
        if (await lockout.LockedForAsync(email, ct) is { } lockedFor)
        {
            metrics.LoginFailed("account_locked");
            return new EmailSignInResult.Locked(lockedFor);
        }

        var attempt = await lockout.BeginAttemptAsync(email, ct);
        if (!attempt.Allowed)
        {
            metrics.LoginFailed("account_locked");
            return new EmailSignInResult.Locked(await lockout.LockedForAsync(email, ct) ?? TimeSpan.FromSeconds(1));
        }
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);
        var verification = passwords.Verify(user, password);
        if (verification == PasswordVerificationResult.Failed)
        {
            if (attempt.LocksOnFailure && await lockout.LockedForAsync(email, ct) is { } nowLockedFor)
            {
                metrics.LoginFailed("account_locked");
                authMetrics.Locked("account");
                logger.LogWarning("E-mail sign-in locked for {LockMinutes} min after {Failures} failures (user {UserId})",
                    LoginLockout.Window.TotalMinutes, LoginLockout.MaxFailures, user?.Id);
                return new EmailSignInResult.Locked(nowLockedFor);
            }
            metrics.LoginFailed("invalid_credentials");
            return new EmailSignInResult.InvalidCredentials();
        }
        // The password was right: this attempt, and the failures before it, no longer count.
        await lockout.ResetAsync(email, ct);

        // Only someone who knows the password learns the account's state.
        if (user!.Status == UserStatus.Blocked)
        {
            metrics.LoginFailed("user_blocked");
            return new EmailSignInResult.Blocked();
        }
        if (user.Status != UserStatus.Active)
        {
            metrics.LoginFailed("email_not_confirmed");
            return new EmailSignInResult.NotConfirmed();
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Older hashes (fewer iterations, older format) are upgraded the moment the password is at hand.
            user.PasswordHash = passwords.Hash(password);
            await db.SaveChangesAsync(ct);
        }
        // Counts the sign-in (campus.auth.logins, method=email) and grants the bootstrap admin role.
        return new EmailSignInResult.SignedIn(await issuer.IssueAsync(user, rememberMe, ct));
    }
}
