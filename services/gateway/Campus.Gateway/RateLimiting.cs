using Campus.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Campus.Gateway;

/// <summary>
/// Fixed-window counters in Redis, so a limit holds across gateway replicas: per client IP on routes whose
/// metadata names a rule (<c>"RateLimit": "AuthPerIp"</c>), and per user (<c>sub</c>) on every route that requires
/// a token. Over the limit: 429 with <c>Retry-After</c> and a <c>rate_limited</c> problem.
/// </summary>
internal sealed partial class RateLimiting(
    IConnectionMultiplexer redis,
    IDatabase database,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<RateLimiting> logger,
    TimeProvider time)
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);
    private long _lastWarning = long.MinValue;

    // INCR + PEXPIRE in one round trip; the TTL left is the Retry-After. A key that lost its TTL gets one back.
    private const string Script = """
        local n = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return { n, ttl }
        """;

    /// <summary>The proxy pipeline step: runs after authentication and authorization, before forwarding.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var route = context.GetRouteModel().Config;
        var limits = options.CurrentValue.RateLimits;

        if (route.Metadata?.GetValueOrDefault("RateLimit") is { } ruleName && limits.Find(ruleName) is { } ipRule
            && await IsLimitedAsync(context, $"gateway:rl:{ruleName}:{context.Connection.RemoteIpAddress}", ipRule))
        {
            return;
        }

        if (context.User.FindFirst("sub")?.Value is { } userId
            && !string.Equals(route.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase)
            && await IsLimitedAsync(context, $"gateway:rl:PerUser:{userId}", limits.PerUser))
        {
            return;
        }

        await next();
    }

    private async Task<bool> IsLimitedAsync(HttpContext context, string key, RateLimitRule rule)
    {
        // Fail open when Redis is away: the edge's per-IP limit still stands, and the API stays up.
        if (!redis.IsConnected)
        {
            WarnRedisUnavailable(null);
            return false;
        }

        long count, ttlMs;
        try
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(Script, [key], [(long)rule.Window.TotalMilliseconds]))!;
            (count, ttlMs) = ((long)result[0], (long)result[1]);
        }
        catch (RedisException ex)
        {
            WarnRedisUnavailable(ex);
            return false;
        }

        if (count <= rule.PermitLimit)
        {
            return false;
        }

        var retryAfter = Math.Max(1, (int)Math.Ceiling(ttlMs / 1000.0));
        context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests.",
            $"Try again in {retryAfter} s.").ExecuteAsync(context);
        return true;
    }

    /// <summary>Once per <see cref="WarningInterval"/>: an outage must not turn every request into a log line.</summary>
    private void WarnRedisUnavailable(Exception? exception)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= WarningInterval)
            && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            LogRedisUnavailable(logger, exception);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Rate limits not checked (requests let through): Redis is unavailable")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception? exception);
}
