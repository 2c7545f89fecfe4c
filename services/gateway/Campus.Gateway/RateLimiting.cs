using Campus.Redis;
using Campus.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Campus.Gateway;

/// <summary>
/// Fixed-window counters in Redis, so a limit holds across gateway replicas: per client address on routes whose
/// metadata names a rule (<c>"RateLimit": "AuthPerIp"</c>; the address keyed by <see cref="ClientSource"/>, so an IPv6
/// client counts by its /64 as auth counts its sources), and per user (<c>sub</c>) on every route that requires a token.
/// Over the limit: 429 with <c>Retry-After</c> and a <c>rate_limited</c> problem. The per-user round trip also reads the
/// token deny-list (<see cref="TokenRevocation"/>): a revoked token gets 401 <c>token_revoked</c>, on HTTP requests and
/// WebSocket handshakes alike.
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

    // The per-user counter as above, plus the token's deny-list entries: its session's, and its user's minimum version.
    private const string UserScript = """
        local n = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return { n, ttl, redis.call('EXISTS', KEYS[2]), redis.call('GET', KEYS[3]) }
        """;

    /// <summary>The proxy pipeline step: runs after authentication and authorization, before forwarding.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var route = context.GetRouteModel().Config;
        var limits = options.CurrentValue.RateLimits;

        if (route.Metadata?.GetValueOrDefault("RateLimit") is { } ruleName && limits.Find(ruleName) is { } ipRule
            && await IsLimitedAsync(context, $"gateway:rl:{ruleName}:{ClientSource.Of(context)}", ipRule))
        {
            return;
        }

        if (context.User.FindFirst("sub")?.Value is { } userId
            && !string.Equals(route.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase)
            && await IsRevokedOrLimitedAsync(context, userId, limits.PerUser))
        {
            return;
        }

        await next();
    }

    private async Task<bool> IsRevokedOrLimitedAsync(HttpContext context, string userId, RateLimitRule rule)
    {
        // Fail open when Redis is away (services/auth/README.md "Revocation"): the access token's short lifetime bounds it.
        if (!redis.IsConnected)
        {
            WarnRedisUnavailable(null);
            return false;
        }

        RedisResult[] result;
        try
        {
            var sid = context.User.FindFirst(TokenRevocation.SessionClaim)?.Value ?? "";
            result = (RedisResult[])(await database.ScriptEvaluateAsync(UserScript,
                [$"gateway:rl:PerUser:{userId}", TokenRevocation.SessionKey(sid), TokenRevocation.UserKey(userId)],
                [(long)rule.Window.TotalMilliseconds]))!;
        }
        // RedisTimeoutException is a TimeoutException, not a RedisException: a stalled Redis fails open as well.
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            WarnRedisUnavailable(ex);
            return false;
        }

        var sessionRevoked = (long)result[2] == 1 ? (RedisValue)1 : RedisValue.Null;
        if (TokenRevocation.IsRevoked(sessionRevoked, (RedisValue)result[3], TokenRevocation.SecurityVersion(context.User)))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The access token was revoked\"";
            await Problems.Create(StatusCodes.Status401Unauthorized, TokenRevocation.Code, "The access token was revoked.",
                "Refresh it, or sign in again.").ExecuteAsync(context);
            return true;
        }
        return await AnswerLimitedAsync(context, (long)result[0], (long)result[1], rule);
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
        // RedisTimeoutException is a TimeoutException, not a RedisException: a stalled Redis fails open as well.
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            WarnRedisUnavailable(ex);
            return false;
        }

        return await AnswerLimitedAsync(context, count, ttlMs, rule);
    }

    private static async Task<bool> AnswerLimitedAsync(HttpContext context, long count, long ttlMs, RateLimitRule rule)
    {
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

    [LoggerMessage(LogLevel.Warning, "Rate limits and token revocations not checked (requests let through): Redis is unavailable")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception? exception);
}
