using Campus.Auth.Data;
using Campus.Auth.Email;
using Campus.Auth.Tokens;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Passwords;

/// <summary>The forgotten-password flow: a reset link by e-mail, then a new password.</summary>
public static class PasswordApi
{
    public static IEndpointRouteBuilder MapPasswordApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth/password").WithTags("Password")
            .RateLimited(AuthApi.EdgeRateLimit);

        group.MapPost("/forgot", ForgotAsync)
            .WithName("ForgotPassword")
            .WithSummary("Mails a password-reset link (valid 15 min) if the address has an active account; always 202.");

        group.MapPost("/reset", ResetAsync)
            .WithName("ResetPassword")
            .WithSummary("Sets a new password with the token from the link and ends every session of the account.");

        return app;
    }

    public static async Task<Results<Accepted, ValidationProblem>> ForgotAsync(
        ForgotPasswordRequest request, AuthDbContext db, EmailTokens tokens, TimeProvider time, EmailMetrics metrics,
        IOptions<EmailOptions> options, CancellationToken ct)
    {
        if (!EmailAddress.TryNormalize(request.Email, out var email))
        {
            return EmailApi.Invalid("email", "A valid e-mail address is required.");
        }

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
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetAsync(
        ResetPasswordRequest request, AuthDbContext db, EmailTokens tokens, PasswordHashing passwords, LoginLockout lockout,
        TokenIssuer issuer, TimeProvider time, EmailMetrics metrics, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > PasswordPolicy.MaxLength)
        {
            return EmailApi.Invalid("password", $"A password of at most {PasswordPolicy.MaxLength} characters is required.");
        }

        var token = await tokens.FindUsableAsync(request.Token, EmailTokenPurpose.Reset, ct);
        var user = token is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == token.UserId, ct);
        if (token is null || user is null)
        {
            return EmailApi.TokenInvalid();
        }
        // Checked before the token is spent, so the user can try another password with the same link.
        if (PasswordPolicy.Weakness(request.Password, user.Email) is { } weakness)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "weak_password", "The password is too weak.", weakness);
        }
        var passwordHash = passwords.Hash(request.Password);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The conditional spend decides between concurrent resets with the same token, whatever they read above.
        if (!await tokens.TrySpendAsync(token, ct))
        {
            return EmailApi.TokenInvalid();
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
        return TypedResults.NoContent();
    }
}

public sealed record ForgotPasswordRequest(string Email);

public sealed record ResetPasswordRequest(string Token, string Password);
