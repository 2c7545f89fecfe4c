using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Campus.ServiceDefaults;

/// <summary>
/// Turns every exception that escapes an endpoint into a problem: Kestrel's request errors keep their status
/// (413 too large, 400 malformed), a dependency outage (<see cref="DependencyOutages"/>) is a 503 with its own code and
/// <c>Retry-After</c>, anything else is a 500 with the trace id and never a stack trace.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(
    IProblemDetailsService problems,
    IEnumerable<DependencyOutage> outages,
    IOptions<OutagesOptions> outageOptions,
    ILogger<UnhandledExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!httpContext.RequestAborted.IsCancellationRequested && DependencyOutages.Find(outages, exception) is { } outage)
        {
            // Not a bug: a warning without the stack, and an answer the client can act on (retry later).
            LogOutage(logger, outage.Code, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter =
                ((int)Math.Ceiling(outageOptions.Value.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = outage.Title,
                    Detail = "Try again later.",
                    Extensions = { ["code"] = outage.Code },
                },
            });
        }

        // A body that is JSON but misses a required member or has a value of the wrong type, a query parameter that does
        // not parse (?limit=abc) or is missing: field errors, like any other validation problem.
        if (exception is BadHttpRequestException bodyError
            && (JsonBodyErrors.From(bodyError) ?? ParameterBindingErrors.From(bodyError, httpContext.Request)) is { } errors)
        {
            httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new HttpValidationProblemDetails(errors)
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "One or more validation errors occurred.",
                },
            });
        }

        var (status, title) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "The request body is too large."
                : "The request could not be read."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "The client closed the request."),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred."),
        };

        if (status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dependency outage ({Code}) on {Method} {Path}: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogOutage(ILogger logger, string code, string method, string path, string exceptionType, string exceptionMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
