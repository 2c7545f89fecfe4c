using Campus.Auth.Email;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

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
        ForgotPasswordRequest request, PasswordReset reset, CancellationToken ct)
    {
        if (!EmailAddress.TryNormalize(request.Email, out var email))
        {
            return EmailApi.Invalid("email", "A valid e-mail address is required.");
        }
        await reset.RequestAsync(email, ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetAsync(
        ResetPasswordRequest request, PasswordReset reset, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > PasswordPolicy.MaxLength)
        {
            return EmailApi.Invalid("password", $"A password of at most {PasswordPolicy.MaxLength} characters is required.");
        }

        var result = await reset.ResetAsync(request.Token, request.Password, ct);
        return result switch
        {
            PasswordResetResult.Completed => TypedResults.NoContent(),
            PasswordResetResult.InvalidToken => EmailApi.TokenInvalid(),
            PasswordResetResult.WeakPassword weak => Problems.InvalidField("password", weak.Detail, "weak_password"),
            _ => throw new InvalidOperationException($"Unexpected password reset result {result.GetType().Name}."),
        };
    }
}

public sealed record ForgotPasswordRequest([property: Bounds(MaxLength = EmailAddress.MaxLength)] string Email);

public sealed record ResetPasswordRequest(
    [property: Bounds(MaxLength = EmailTokens.TokenLength)] string Token,
    [property: Bounds(MaxLength = PasswordPolicy.MaxLength)] string Password);
