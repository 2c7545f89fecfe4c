using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Campus.Auth.Tokens;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.Auth.Phone;

// The phone is not [Required]: a missing or malformed phone gets the same 400 invalid_phone.
public sealed record SendCodeRequest([property: Bounds(MaxLength = PhoneNumberRules.MaxInputLength)] string? Phone);

public sealed record SendCodeResponse(int ExpiresIn, int ResendAfter);

public sealed record VerifyCodeRequest(
    [property: Bounds(MaxLength = PhoneNumberRules.MaxInputLength)] string? Phone,
    [property: Required, Bounds(MaxLength = PhoneApi.MaxCodeLength)] string Code,
    bool RememberMe = false);

/// <summary>Phone sign-in: a 6-digit code by SMS, then tokens.</summary>
public static class PhoneApi
{
    /// <summary>The longest code taken (a code has 6 digits; room for spaces a client leaves around it).</summary>
    public const int MaxCodeLength = 32;

    public static IEndpointRouteBuilder MapPhoneApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/auth/phone").WithTags("Phone sign-in")
            .RateLimited(AuthApi.EdgeRateLimit);

        group.MapPost("/send-code", SendCodeAsync)
            .WithName("SendPhoneCode")
            .WithSummary("Sends a 6-digit sign-in code by SMS (Russian mobile numbers only).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status423Locked)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/verify", VerifyAsync)
            .WithName("VerifyPhoneCode")
            .WithSummary("Checks the code; signs the user in (creating the account on first sign-in).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status423Locked)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return routes;
    }

    public static async Task<Results<Accepted<SendCodeResponse>, ProblemHttpResult>> SendCodeAsync(
        SendCodeRequest request, PhoneSignIn signIn, AuthMetrics metrics, HttpContext context, CancellationToken ct)
    {
        if (!TryReadPhone(request.Phone, metrics, out var phone, out var problem))
        {
            return problem;
        }
        var result = await signIn.SendCodeAsync(phone, ClientIp(context), ct);
        return result switch
        {
            PhoneResult.CodeSent sent => TypedResults.Accepted((string?)null,
                new SendCodeResponse(Seconds(sent.ExpiresIn), Seconds(sent.ResendAfter))),
            PhoneResult.RateLimited limited => WithRetryAfter(context, limited.RetryAfter,
                Problems.Create(StatusCodes.Status429TooManyRequests, "otp_rate_limited", "Too many code requests; try again later.")),
            PhoneResult.SmsBudgetExhausted budget => WithRetryAfter(context, budget.RetryAfter,
                Problems.Create(StatusCodes.Status503ServiceUnavailable, "sms_budget_exhausted",
                    "Sign-in codes cannot be sent right now; try again later or sign in with e-mail.")),
            PhoneResult.SmsFailed => Problems.Create(StatusCodes.Status503ServiceUnavailable, "sms_unavailable",
                "The SMS provider did not accept the message; try again in a moment."),
            _ => Refusal(context, result),
        };
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> VerifyAsync(
        VerifyCodeRequest request, PhoneSignIn signIn, AuthMetrics metrics, HttpContext context, CancellationToken ct)
    {
        if (!TryReadPhone(request.Phone, metrics, out var phone, out var problem))
        {
            return problem;
        }
        if (request.Code.Length > MaxCodeLength)
        {
            return Problems.InvalidField("code", $"The code has 6 digits; at most {MaxCodeLength} characters are taken.");
        }
        var result = await signIn.VerifyAsync(phone, request.Code.Trim(), ClientIp(context), request.RememberMe, ct);
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
            PhoneResult.Blocked => Problems.Create(StatusCodes.Status403Forbidden, "user_blocked", "This account is blocked."),
            _ => Refusal(context, result),
        };
    }

    // The refusals both steps share: a locked (phone, source) pair, a guarded phone, a blocked source.
    private static ProblemHttpResult Refusal(HttpContext context, PhoneResult result) => result switch
    {
        PhoneResult.Locked locked => WithRetryAfter(context, locked.RetryAfter, Problems.Create(StatusCodes.Status423Locked,
            "phone_locked", "Too many wrong codes from here; this phone is locked for a while from this network.")),
        PhoneResult.Guarded guarded => WithRetryAfter(context, guarded.RetryAfter, Problems.Create(StatusCodes.Status423Locked,
            "phone_guarded", "Too many wrong codes for this phone; ask for a new code and enter it from the same network.")),
        PhoneResult.SourceBlocked blocked => WithRetryAfter(context, blocked.RetryAfter, Problems.Create(
            StatusCodes.Status429TooManyRequests, "source_blocked", "Too many wrong codes from this network; try again later.")),
        _ => throw new InvalidOperationException($"Unexpected phone sign-in result {result.GetType().Name}."),
    };

    // The E.164 form of an accepted Russian mobile number, or the 400 problem for anything else.
    private static bool TryReadPhone(string? input, AuthMetrics metrics, [NotNullWhen(true)] out string? phone,
        [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        phone = null;
        switch (PhoneNumberRules.Check(input, out var e164))
        {
            case PhoneCheck.Accepted when e164 is not null:
                (phone, problem) = (e164, null);
                return true;
            case PhoneCheck.NotSupported:
                metrics.CodeRefused("phone_not_supported");
                problem = Problems.InvalidField("phone", "Sign-in codes are sent only to Russian mobile numbers.", "phone_not_supported");
                break;
            default:
                problem = Problems.InvalidField("phone",
                    "The phone must be an international number in ASCII: + and the digits, optionally grouped by spaces, hyphens and parentheses (+7 912 345-67-89).",
                    "invalid_phone");
                break;
        }
        return false;
    }

    /// <summary>
    /// The source every per-source rule counts: the connection's address after UseForwardedHeaders (trusted proxies
    /// only, see Extensions), keyed by <see cref="ClientSource"/> (IPv6 by its /64 prefix, as the gateway's per-IP limits).
    /// </summary>
    internal static string ClientIp(HttpContext context) => ClientSource.Of(context);

    private static ProblemHttpResult WithRetryAfter(HttpContext context, TimeSpan retryAfter, ProblemHttpResult problem)
    {
        context.Response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        return problem;
    }

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));
}
