using Campus.Redis;
using Campus.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Microsoft.Extensions.Hosting;

/// <summary>Redis for counters shared across replicas and chat fan-out.</summary>
public static class RedisExtensions
{
    /// <summary>Redis is unreachable or did not answer in time: 503 <c>cache_unavailable</c>.</summary>
    public static readonly DependencyOutage CacheOutage = new("cache_unavailable", "The cache is unavailable.",
        exception => exception is RedisConnectionException or RedisTimeoutException);

    /// <summary>
    /// Registers one <see cref="IConnectionMultiplexer"/> for <c>ConnectionStrings:Redis</c>, an <see cref="IDatabase"/>
    /// whose keys (and pub/sub channels) all carry <c>Redis:KeyPrefix</c> — so replicas of one service share keys
    /// and tests never see each other's — the <c>redis</c> readiness check, its <c>check-dependencies</c> check and its
    /// outage (503 <c>cache_unavailable</c>). The multiplexer does not abort when Redis is down at start: it keeps
    /// reconnecting.
    /// </summary>
    public static IHostApplicationBuilder AddCampusRedis(this IHostApplicationBuilder builder)
    {
        // { "ConnectionStrings": { "Redis": "127.0.0.1:6380" }, "Redis": { "KeyPrefix": "campus:" } }
        var prefix = builder.Configuration["Redis:KeyPrefix"] ?? "campus:";
        var options = ConfigurationOptions.Parse(builder.Configuration.GetRequiredConnectionString("Redis"));
        options.AbortOnConnectFail = false;
        options.ClientName ??= builder.Environment.ApplicationName;
        options.ChannelPrefix = RedisChannel.Literal(prefix);

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton(services =>
            services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(prefix));
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag]);
        builder.AddRedisDependencyCheck();
        builder.Services.AddDependencyOutage(CacheOutage);
        if (ServiceDefaultsExtensions.DetailedTracing(builder.Configuration))
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation());
        }
        return builder;
    }

    /// <summary>
    /// Only the <c>check-dependencies</c> check of Redis (a <c>PING</c> when <c>ConnectionStrings:Redis</c> is set), for a
    /// host that uses no Redis but whose image checks a cluster's dependencies (the content chart's <c>helm test</c>).
    /// </summary>
    public static IHostApplicationBuilder AddRedisDependencyCheck(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyCheck, RedisDependencyCheck>());
        return builder;
    }
}
