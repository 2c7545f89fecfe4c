using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetricsRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TMetrics"/> (a class that creates its instruments in its constructor) as a singleton
    /// created when the host starts, not on first use: its series (counters started at 0 for their known labels) are on
    /// <c>/metrics</c> from the first scrape, before the first message or request that would resolve it.
    /// </summary>
    public static IServiceCollection AddMetricsAtStart<TMetrics>(this IServiceCollection services) where TMetrics : class
    {
        services.TryAddSingleton<TMetrics>();
        services.AddHostedService(provider => new CreateAtStart(provider.GetRequiredService<TMetrics>));
        return services;
    }

    private sealed class CreateAtStart(Func<object> create) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            create();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
