using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Campus.ServiceDefaults;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness, no dependencies, so a broker outage never restarts pods).
/// <c>/readyz</c>: every check tagged <see cref="ReadyTag"/> passes; otherwise 503 with the failing check named — except
/// a soft dependency's check (failure status <see cref="HealthStatus.Degraded"/>, see
/// <c>AddSoftDependencies</c>): the host serves without it, so its failure answers 200 with status <c>Degraded</c>.
/// Neither is routed by the gateway except <c>/api/&lt;service&gt;/healthz</c>.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>The tag of the checks that decide readiness: the host's database, broker, cache and storage.</summary>
    public const string ReadyTag = "ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    internal static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteReport,
        }).ExcludeFromDescription();

        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReport,
        }).ExcludeFromDescription();
    }

    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        var dependencies = context.RequestServices.GetRequiredService<DependencyHealth>();
        dependencies.Record(report);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            Status = report.Status.ToString(),
            DurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            Checks = report.Entries.Select(entry => new
            {
                Name = entry.Key,
                Status = entry.Value.Status.ToString(),
                Required = dependencies.IsRequired(entry.Key),
                entry.Value.Description,
                DurationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
