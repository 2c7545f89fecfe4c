using System.Diagnostics;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Campus.Messaging.Tests;

/// <summary>Start-up without a broker, readiness during and after an outage, and configuration errors.</summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly RabbitMqTestScope _rabbit = new();

    public ValueTask InitializeAsync() => _rabbit.InitializeAsync();

    public ValueTask DisposeAsync() => _rabbit.DisposeAsync();

    [Fact]
    public async Task Host_starts_without_the_broker_and_becomes_ready_when_it_appears()
    {
        await using var proxy = TcpProxy.For(TestInfrastructure.RabbitMqUri);
        proxy.Stop();
        var probe = new Probe();

        var started = Stopwatch.GetTimestamp();
        var host = await MessagingTestHost.StartAsync(_rabbit.Settings(proxy.Rewrite(TestInfrastructure.RabbitMqUri)),
            messaging => messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("orders"),
            services => services.AddSingleton(probe));
        try
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "starting must not wait for the broker");
            var readiness = await host.CheckRabbitMqAsync();
            Assert.Equal(HealthStatus.Unhealthy, readiness.Status);
            Assert.StartsWith("RabbitMQ not connected", readiness.Description);
            await Assert.ThrowsAsync<BrokerUnavailableException>(() =>
                host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced(1), Ct));

            proxy.Start();

            await host.WaitForRabbitMqAsync(HealthStatus.Healthy, TimeSpan.FromSeconds(20));
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced(2), Ct);
            await probe.WaitForAsync(d => d.Count == 1); // the consumer started once the connection was up
        }
        finally
        {
            await host.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task Readiness_follows_a_broker_outage_and_recovers_without_a_restart()
    {
        await using var proxy = TcpProxy.For(TestInfrastructure.RabbitMqUri);
        var probe = new Probe();
        var host = await MessagingTestHost.StartAsync(_rabbit.Settings(proxy.Rewrite(TestInfrastructure.RabbitMqUri)),
            messaging => messaging.AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("orders"),
            services => services.AddSingleton(probe));
        try
        {
            await host.WaitForRabbitMqAsync(HealthStatus.Healthy);

            proxy.Stop();
            var down = await host.WaitForRabbitMqAsync(HealthStatus.Unhealthy, TimeSpan.FromSeconds(10));
            Assert.Contains("RabbitMQ", down.Description, StringComparison.Ordinal);

            proxy.Start();
            await host.WaitForRabbitMqAsync(HealthStatus.Healthy, TimeSpan.FromSeconds(20));

            // Same process, recovered connection: publishing works and the consumer was re-registered.
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(new OrderPlaced(1), Ct);
            await probe.WaitForAsync(d => d.Count == 1);
        }
        finally
        {
            await host.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task Missing_connection_string_fails_the_start_with_its_name()
    {
        var settings = _rabbit.Settings().With(("ConnectionStrings:RabbitMq", null));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => MessagingTestHost.StartAsync(settings));

        Assert.Contains("ConnectionStrings:RabbitMq", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Out_of_range_options_fail_the_start()
    {
        var settings = _rabbit.Settings().With(("Messaging:Prefetch", "0"), ("Messaging:MaxAttempts", "100"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => MessagingTestHost.StartAsync(settings));

        Assert.Contains("Prefetch", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
    }
}
