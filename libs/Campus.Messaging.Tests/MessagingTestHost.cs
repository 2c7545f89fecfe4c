using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.Messaging.Tests;

/// <summary>Builds and starts a generic host with Campus.Messaging, the way a worker would, against the real broker.</summary>
public static class MessagingTestHost
{
    public static async Task<IHost> StartAsync(
        IReadOnlyDictionary<string, string?> settings,
        Action<MessagingBuilder>? messaging = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "Campus.Messaging.Tests",
            EnvironmentName = Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(new TestOutputLoggerProvider())
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        builder.AddCampusMessaging(messaging);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary><paramref name="settings"/> plus overrides (a null value removes nothing, it sets null).</summary>
    public static Dictionary<string, string?> With(this IReadOnlyDictionary<string, string?> settings, params (string Key, string? Value)[] overrides)
    {
        var merged = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value;
        }
        return merged;
    }

    public static async Task<HealthReportEntry> CheckRabbitMqAsync(this IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Name == "rabbitmq", TestContext.Current.CancellationToken);
        return report.Entries["rabbitmq"];
    }

    /// <summary>Waits until the <c>rabbitmq</c> readiness check reports <paramref name="status"/>.</summary>
    public static Task<HealthReportEntry> WaitForRabbitMqAsync(this IHost host, HealthStatus status = HealthStatus.Healthy, TimeSpan? timeout = null) =>
        Eventually.WaitForAsync(host.CheckRabbitMqAsync, entry => entry.Status == status, timeout ?? TimeSpan.FromSeconds(15),
            $"rabbitmq readiness {status}");

    /// <summary>
    /// Stops the host and disposes it synchronously, as many callers do. That once stalled for 70-90 s (the rest of the
    /// shutdown ran on the client's consumer-dispatch thread), so a slow shutdown fails the test instead of passing slowly.
    /// </summary>
    public static async Task StopAndDisposeAsync(this IHost host)
    {
        var started = Stopwatch.GetTimestamp();
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"stopping and disposing the host took {elapsed}");
    }
}

/// <summary>Writes host logs to the output of the running test, so a failure shows what the library did.</summary>
internal sealed class TestOutputLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished; its output is closed.
            }
        }
    }
}
