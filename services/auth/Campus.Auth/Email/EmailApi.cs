using Campus.Auth.Passwords;
using Campus.Auth.Tokens;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

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
            .ProducesValidationProblem();

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
        RegisterRequest request, EmailRegistration registration, CancellationToken ct)
    {
        if (!EmailAddress.TryNormalize(request.Email, out var email))
        {
            return Invalid("email", "A valid e-mail address is required.");
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > PasswordPolicy.MaxLength)
        {
            return Invalid("password", $"A password of at most {PasswordPolicy.MaxLength} characters is required.");
        }

        var result = await registration.RegisterAsync(email, request.Password, ct);
        return result switch
        {
            EmailRegistrationResult.Accepted accepted => TypedResults.Accepted((string?)null,
                new RegistrationResponse(accepted.Email, (long)accepted.ConfirmationExpiresIn.TotalSeconds)),
            EmailRegistrationResult.WeakPassword weak => Problems.InvalidField("password", weak.Detail, "weak_password"),
            _ => throw new InvalidOperationException($"Unexpected registration result {result.GetType().Name}."),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ConfirmAsync(
        ConfirmEmailRequest request, EmailRegistration registration, CancellationToken ct)
    {
        var result = await registration.ConfirmAsync(request.Token, ct);
        return result switch
        {
            EmailConfirmationResult.Confirmed => TypedResults.NoContent(),
            EmailConfirmationResult.InvalidToken => TokenInvalid(),
            _ => throw new InvalidOperationException($"Unexpected confirmation result {result.GetType().Name}."),
        };
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
        if (request.Email.Length > EmailAddress.MaxLength)
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

public sealed record RegisterRequest(
    [property: Bounds(MaxLength = EmailAddress.MaxLength)] string Email,
    [property: Bounds(MaxLength = PasswordPolicy.MaxLength)] string Password);

/// <summary>
/// The same for every address: if it was new or unconfirmed, a link valid for <c>confirmation_expires_in</c> seconds is
/// on its way. No user id: it would tell a taken address from a new one.
/// </summary>
public sealed record RegistrationResponse(string Email, long ConfirmationExpiresIn);

public sealed record ConfirmEmailRequest([property: Bounds(MaxLength = EmailTokens.TokenLength)] string Token);

public sealed record LoginRequest(
    [property: Bounds(MaxLength = EmailAddress.MaxLength)] string Email,
    [property: Bounds(MaxLength = PasswordPolicy.MaxLength)] string Password,
    bool RememberMe = false);
