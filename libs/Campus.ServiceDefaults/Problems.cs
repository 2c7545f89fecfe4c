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

    /// <summary>
    /// The one validation problem (400): field errors as <c>errors: {field: [messages]}</c>, field names as on the wire
    /// (<c>items[0].enabled</c>), and a stable <c>code</c>: <c>validation_failed</c> unless the caller names a more precise
    /// one (e.g. <c>body_too_long</c>) that clients already rely on.
    /// </summary>
    public static ValidationProblem Invalid(IEnumerable<KeyValuePair<string, string[]>> errors, string code = ValidationFailed, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail: detail, title: "One or more validation errors occurred.",
            extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>A validation problem with one field error.</summary>
    public static ValidationProblem Invalid(string field, string message, string code = ValidationFailed) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] }, code, message);

    /// <summary>
    /// The same validation problem as <see cref="Invalid(string, string, string)"/>, typed as a <see cref="ProblemHttpResult"/>
    /// for endpoints whose other refusals are problems too (declare it with <c>ProducesValidationProblem()</c>).
    /// </summary>
    public static ProblemHttpResult InvalidField(string field, string message, string code = ValidationFailed) =>
        InvalidFields(new Dictionary<string, string[]> { [field] = [message] }, code, message);

    /// <summary>A validation problem with several field errors, typed as a <see cref="ProblemHttpResult"/>.</summary>
    public static ProblemHttpResult InvalidFields(IDictionary<string, string[]> errors, string code = ValidationFailed, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more validation errors occurred.",
            Detail = detail,
            Extensions = { ["code"] = code },
        });

    /// <summary>The code of a validation problem that names no more precise one.</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>
    /// The code of a 401 for a revoked token; a revocation check sets an <c>HttpContext.Items</c> entry under this key
    /// when it refuses a token, so the problem says why.
    /// </summary>
    public const string TokenRevoked = "token_revoked";

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
        StatusCodes.Status502BadGateway => "bad_gateway",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        StatusCodes.Status504GatewayTimeout => "upstream_timeout",
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

        // A token refused by the revocation check says so, so a client knows to refresh or sign in again.
        if (status == StatusCodes.Status401Unauthorized && context.HttpContext.Items.ContainsKey(TokenRevoked))
        {
            problem.Extensions["code"] = TokenRevoked;
            problem.Title ??= "The access token was revoked.";
        }
        if (!problem.Extensions.ContainsKey("code"))
        {
            problem.Extensions["code"] = problem is HttpValidationProblemDetails ? ValidationFailed : DefaultCode(status);
        }
    }
}
