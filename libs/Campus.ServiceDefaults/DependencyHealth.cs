using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Campus.ServiceDefaults;

/// <summary>
/// The last result of each readiness check as the gauge <c>campus_dependency_up{dependency, required}</c> (1 up, 0 down):
/// a soft dependency (<c>required="false"</c>) that is down leaves the host ready, so this metric — not readiness —
/// is what alerts on it. Fed by the health check publisher (every <see cref="PublishPeriod"/>) and by each <c>/readyz</c>.
/// </summary>
internal sealed class DependencyHealth : IHealthCheckPublisher
{
    public static readonly TimeSpan PublishPeriod = TimeSpan.FromSeconds(15);

    private readonly IOptions<HealthCheckServiceOptions> _options;
    private volatile IReadOnlyDictionary<string, bool> _up = new Dictionary<string, bool>();

    public DependencyHealth(IMeterFactory meters, IOptions<HealthCheckServiceOptions> options)
    {
        _options = options;
        var meter = meters.Create("Campus.Health");
        meter.CreateObservableGauge("campus.dependency.up", Observe, unit: "{up}",
            description: "1 while the readiness check of a dependency passes, 0 while it fails; required=false marks a soft dependency");
    }

    /// <summary>True when a failure of this check makes the host not ready (a hard dependency).</summary>
    public bool IsRequired(string check) =>
        _options.Value.Registrations.FirstOrDefault(registration => registration.Name == check)?.FailureStatus != HealthStatus.Degraded;

    public void Record(HealthReport report)
    {
        var up = new Dictionary<string, bool>(_up);
        foreach (var (name, entry) in report.Entries)
        {
            up[name] = entry.Status == HealthStatus.Healthy;
        }
        _up = up;
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        Record(report);
        return Task.CompletedTask;
    }

    private IEnumerable<Measurement<int>> Observe() => _up.Select(pair => new Measurement<int>(pair.Value ? 1 : 0,
        new KeyValuePair<string, object?>("dependency", pair.Key),
        new KeyValuePair<string, object?>("required", IsRequired(pair.Key) ? "true" : "false")));
}
