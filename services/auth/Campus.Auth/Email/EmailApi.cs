using Campus.Auth.Data;
using Campus.Auth.Passwords;
using Campus.Auth.Tokens;
using Campus.Auth.Users;
using Campus.Messaging.Outbox;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Email;

/// <summary>Registration with an e-mail address and a password, its confirmation, and e-mail sign-in.</summary>
public static class EmailApi
{
    public static IEndpointRouteBuilder MapEmailApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth/email").WithTags("Email")
            .RateLimited(AuthApi.EdgeRateLimit);

        group.MapPost("/register", RegisterAsync)
            .WithName("RegisterWithEmail")
            .WithSummary("Creates an unconfirmed account and mails a confirmation link (valid 24 h); again for an unconfirmed address, a new link at most once a minute. The answer is the same whether the address is new, unconfirmed or taken.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/confirm", ConfirmAsync)
            .WithName("ConfirmEmail")
            .WithSummary("Confirms the address with the token from the link: activates the account and ends its sessions.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/login", LoginAsync)
            .WithName("LoginWithEmail")
            .WithSummary("Signs in with e-mail and password; 10 failures within 15 min lock the address.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status423Locked);

        return app;
    }

    public static async Task<Results<Accepted<RegistrationResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, AuthDbContext db, EmailTokens tokens, PasswordHashing passwords, TimeProvider time,
        EmailMetrics metrics, IOptions<EmailOptions> options, CancellationToken ct)
    {
        if (!EmailAddress.TryNormalize(request.Email, out var email))
        {
            return Invalid("email", "A valid e-mail address is required.");
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > PasswordPolicy.MaxLength)
        {
            return Invalid("password", $"A password of at most {PasswordPolicy.MaxLength} characters is required.");
        }
        if (PasswordPolicy.Weakness(request.Password, email) is { } weakness)
        {
            metrics.Registration("weak_password");
            return Problems.Create(StatusCodes.Status400BadRequest, "weak_password", "The password is too weak.", weakness);
        }

        var passwordHash = passwords.Hash(request.Password);
        // One answer for every address (new, unconfirmed, taken), so registration tells nobody which addresses have
        // accounts; what differs is only what gets mailed.
        var accepted = TypedResults.Accepted((string?)null,
            new RegistrationResponse(email, (long)EmailTokens.ConfirmationLifetime.TotalSeconds));
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

    public static async Task<Results<NoContent, ProblemHttpResult>> ConfirmAsync(
        ConfirmEmailRequest request, AuthDbContext db, EmailTokens tokens, TokenIssuer issuer, TimeProvider time,
        CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var token = await tokens.FindUsableAsync(request.Token, EmailTokenPurpose.Confirm, ct);
        if (token is null || !await tokens.TrySpendAsync(token, ct))
        {
            return TokenInvalid();
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
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, EmailSignIn signIn, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            return Invalid("email", "An e-mail address is required.");
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > PasswordPolicy.MaxLength)
        {
            return Invalid("password", $"A password of at most {PasswordPolicy.MaxLength} characters is required.");
        }
        // A malformed address cannot have an account: it fails like an unknown one (and is locked like one).
        var email = EmailAddress.TryNormalize(request.Email, out var normalized) ? normalized : request.Email.Trim().ToLowerInvariant();
        if (email.Length > EmailAddress.MaxLength)
        {
            return Invalid("email", "A valid e-mail address is required.");
        }

        var result = await signIn.SignInAsync(email, request.Password, request.RememberMe, ct);
        return result switch
        {
            EmailSignInResult.SignedIn signedIn => TypedResults.Ok(signedIn.Tokens),
            EmailSignInResult.Locked locked => Locked(http, locked.RetryAfter),
            EmailSignInResult.InvalidCredentials => Problems.Create(StatusCodes.Status401Unauthorized, "invalid_credentials",
                "Wrong e-mail or password."),
            EmailSignInResult.Blocked => Problems.Create(StatusCodes.Status403Forbidden, "user_blocked", "This account is blocked."),
            EmailSignInResult.NotConfirmed => Problems.Create(StatusCodes.Status403Forbidden, "email_not_confirmed",
                "Confirm the e-mail address first: follow the link we sent."),
            _ => throw new InvalidOperationException($"Unexpected e-mail sign-in result {result.GetType().Name}."),
        };
    }

    internal static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    internal static ProblemHttpResult TokenInvalid() =>
        Problems.Create(StatusCodes.Status400BadRequest, "token_invalid", "The link is invalid, used or expired.");

    private static ProblemHttpResult Locked(HttpContext http, TimeSpan lockedFor)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(lockedFor.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status423Locked, "account_locked",
            "Too many failed sign-ins. Try again later or reset the password.");
    }
}

public sealed record RegisterRequest(string Email, string Password);

/// <summary>
/// The same for every address: if it was new or unconfirmed, a link valid for <c>confirmation_expires_in</c> seconds is
/// on its way. No user id: it would tell a taken address from a new one.
/// </summary>
public sealed record RegistrationResponse(string Email, long ConfirmationExpiresIn);

public sealed record ConfirmEmailRequest(string Token);

public sealed record LoginRequest(string Email, string Password, bool RememberMe = false);
