using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging.Internal;

/// <summary>
/// Readiness: healthy while the connection is open. It only reads the connection's state, so it answers at once and
/// turns healthy again by itself when the background connect or the client's recovery succeeds.
/// </summary>
internal sealed class RabbitMqHealthCheck(RabbitMqConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        connection.EnsureStarted();
        return Task.FromResult(connection.Current is not null
            ? HealthCheckResult.Healthy("connected")
            : new HealthCheckResult(context.Registration.FailureStatus, $"RabbitMQ {connection.Status}"));
    }
}

/// <summary>Starts connecting when the host starts, without waiting for the broker.</summary>
internal sealed class RabbitMqConnectionStarter(RabbitMqConnection connection) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        connection.EnsureStarted();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
