using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.ServiceDefaults;

/// <summary>
/// RFC 9457 problem details with the Campus extensions: a stable machine <c>code</c> and the <c>trace_id</c>
/// a user can quote to support.
/// </summary>
public static class Problems
{
    /// <summary>A problem answer with a stable machine code, e.g. <c>Problems.Create(423, "otp_locked", "Too many wrong codes.")</c>.</summary>
    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>The code a problem gets when its producer (routing, Kestrel, the auth handler) gave it none.</summary>
    public static string DefaultCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status422UnprocessableEntity => "unprocessable",
        StatusCodes.Status423Locked => "locked",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        >= 500 => "internal_error",
        _ => "error",
    };

    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;

        // ASP.NET Core adds "traceId"; the wire format is snake_case and the id is the W3C trace id, the one in the logs.
        problem.Extensions.Remove("traceId");
        problem.Extensions["trace_id"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;

        // A token refused by the revocation check (TokenRevocation) says so, so a client knows to refresh or sign in again.
        if (status == StatusCodes.Status401Unauthorized && context.HttpContext.Items.ContainsKey(TokenRevocation.Code))
        {
            problem.Extensions["code"] = TokenRevocation.Code;
            problem.Title ??= "The access token was revoked.";
        }
        if (!problem.Extensions.ContainsKey("code"))
        {
            problem.Extensions["code"] = problem is HttpValidationProblemDetails ? "validation_failed" : DefaultCode(status);
        }
    }
}
