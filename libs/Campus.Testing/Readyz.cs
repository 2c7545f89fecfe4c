using System.Text.Json;

namespace Campus.Testing;

/// <summary>Reads a host's <c>/readyz</c> body.</summary>
public static class Readyz
{
    /// <summary>
    /// The overall status (<c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c>), or null when the body is not a readiness
    /// report. Not a substring search: each check in the body has a status of its own, so a host whose broker is still
    /// connecting answers 200 <c>Degraded</c> with <c>"status":"Healthy"</c> in its database check.
    /// </summary>
    public static string? OverallStatus(string body)
    {
        try
        {
            using var report = JsonDocument.Parse(body);
            return report.RootElement.ValueKind == JsonValueKind.Object && report.RootElement.TryGetProperty("status", out var status)
                ? status.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
