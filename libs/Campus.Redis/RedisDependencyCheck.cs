using Campus.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Campus.Redis;

/// <summary><c>PING</c> on <c>ConnectionStrings:Redis</c>, on a connection of its own that gives up instead of retrying.</summary>
internal sealed class RedisDependencyCheck(IConfiguration configuration, IHostEnvironment environment) : IDependencyCheck
{
    private ConfigurationOptions? Settings =>
        configuration.GetConnectionString("Redis") is { Length: > 0 } value ? ConfigurationOptions.Parse(value) : null;

    public string Name => "redis";

    public string? Target => Settings is { } settings ? string.Join(",", settings.EndPoints.Select(EndpointText)) : null;

    public IEnumerable<string> Secrets => Settings?.Password is { Length: > 0 } password ? [password] : [];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var settings = Settings!;
        settings.AbortOnConnectFail = true;
        settings.ConnectRetry = 1;
        settings.ConnectTimeout = 5000;
        settings.ClientName = $"{environment.ApplicationName}:check-dependencies";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(settings).WaitAsync(cancellationToken);
        var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        return $"PING answered in {latency.TotalMilliseconds:0.#} ms";
    }

    private static string EndpointText(System.Net.EndPoint endpoint) =>
        endpoint is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "";
}
