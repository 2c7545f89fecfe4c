using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Campus.Auth.Tokens;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.Auth.Phone;

// The phone is not [Required]: a missing or malformed phone gets the same 400 invalid_phone.
public sealed record SendCodeRequest(string? Phone);

public sealed record SendCodeResponse(int ExpiresIn, int ResendAfter);

public sealed record VerifyCodeRequest(string? Phone, [property: Required] string Code, bool RememberMe = false);

/// <summary>Phone sign-in: a 6-digit code by SMS, then tokens.</summary>
public static class PhoneApi
{
    public static IEndpointRouteBuilder MapPhoneApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/auth/phone").WithTags("Phone sign-in");

        group.MapPost("/send-code", SendCodeAsync)
            .WithName("SendPhoneCode")
            .WithSummary("Sends a 6-digit sign-in code by SMS (+7 numbers only).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status423Locked)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/verify", VerifyAsync)
            .WithName("VerifyPhoneCode")
            .WithSummary("Checks the code; signs the user in (creating the account on first sign-in).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status423Locked);

        return routes;
    }

    public static async Task<Results<Accepted<SendCodeResponse>, ProblemHttpResult>> SendCodeAsync(
        SendCodeRequest request, PhoneSignIn signIn, HttpContext context, CancellationToken ct)
    {
        if (!PhoneNumberRules.IsValid(request.Phone))
        {
            return InvalidPhone();
        }
        // The connection's address after UseForwardedHeaders (trusted loopback proxies only): see Extensions.
        var clientIp = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var result = await signIn.SendCodeAsync(request.Phone, clientIp, ct);
        return result switch
        {
            PhoneResult.CodeSent sent => TypedResults.Accepted((string?)null,
                new SendCodeResponse(Seconds(sent.ExpiresIn), Seconds(sent.ResendAfter))),
            PhoneResult.RateLimited limited => WithRetryAfter(context, limited.RetryAfter,
                Problems.Create(StatusCodes.Status429TooManyRequests, "otp_rate_limited", "Too many code requests; try again later.")),
            PhoneResult.Locked locked => PhoneLocked(context, locked.RetryAfter),
            _ => Problems.Create(StatusCodes.Status503ServiceUnavailable, "sms_unavailable",
                "The SMS provider did not accept the message; try again in a moment."),
        };
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> VerifyAsync(
        VerifyCodeRequest request, PhoneSignIn signIn, HttpContext context, CancellationToken ct)
    {
        if (!PhoneNumberRules.IsValid(request.Phone))
        {
            return InvalidPhone();
        }
        var result = await signIn.VerifyAsync(request.Phone, request.Code.Trim(), request.RememberMe, ct);
        return result switch
        {
            PhoneResult.SignedIn signedIn => TypedResults.Ok(signedIn.Tokens),
            PhoneResult.InvalidCode invalid => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                title: "The code is wrong.", extensions: new Dictionary<string, object?>
                {
                    ["code"] = "otp_invalid",
                    ["attempts_left"] = invalid.AttemptsLeft,
                }),
            PhoneResult.ExpiredCode => Problems.Create(StatusCodes.Status400BadRequest, "otp_expired", "The code has expired; ask for a new one."),
            PhoneResult.Locked locked => PhoneLocked(context, locked.RetryAfter),
            _ => Problems.Create(StatusCodes.Status403Forbidden, "user_blocked", "This account is blocked."),
        };
    }

    private static ProblemHttpResult InvalidPhone() => Problems.Create(StatusCodes.Status400BadRequest, "invalid_phone",
        "The phone must be a Russian number in E.164 form: +7 and 10 digits.");

    private static ProblemHttpResult PhoneLocked(HttpContext context, TimeSpan retryAfter) => WithRetryAfter(context, retryAfter,
        Problems.Create(StatusCodes.Status423Locked, "phone_locked", "Too many wrong codes; this phone is locked for a while."));

    private static ProblemHttpResult WithRetryAfter(HttpContext context, TimeSpan retryAfter, ProblemHttpResult problem)
    {
        context.Response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        return problem;
    }

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));
}
