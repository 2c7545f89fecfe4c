using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Campus.Chat.Realtime;

/// <summary>
/// Per-user budgets that hold across chat nodes, counted in Redis: open sockets (<see cref="ChatOptions.MaxSocketsPerUser"/>)
/// and posted messages per window (<see cref="ChatOptions.MaxPostsPerUser"/> per <see cref="ChatOptions.PostRateWindow"/>).
/// Sockets are a sorted set per user (member: the socket's id, score: when its lease ends, by Redis's clock), renewed by
/// <see cref="SocketLeaseRenewal"/>, so a node that dies without closing its sockets frees their places within one lease.
/// Redis unreachable: the budgets are not enforced (logged); chat cannot fan out then anyway.
/// </summary>
public sealed partial class ChatBudgets(IConnectionMultiplexer redis, IDatabase database, IOptions<ChatOptions> options, ILogger<ChatBudgets> logger)
{
    private const string OpenScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    private const string RenewScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return { n, ttl }
        """;

    private ChatOptions Settings => options.Value;

    private static RedisKey SocketsKey(Guid userId) => $"chat:sockets:{userId}";

    /// <summary>Takes a place for socket <paramref name="socketId"/> in the user's socket count; false when the user has them all.</summary>
    public async Task<bool> TryOpenSocketAsync(Guid userId, Guid socketId)
    {
        // Known to be down: fail open at once instead of waiting out the command timeout on every handshake.
        if (!redis.IsConnected)
        {
            return true;
        }
        try
        {
            var result = await database.ScriptEvaluateAsync(OpenScript, [SocketsKey(userId)],
                [Settings.MaxSocketsPerUser, (long)Settings.SocketLease.TotalMilliseconds, socketId.ToString()]);
            return (long)result == 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex);
            return true;
        }
    }

    /// <summary>Gives the socket's place back.</summary>
    public async Task CloseSocketAsync(Guid userId, Guid socketId)
    {
        if (!redis.IsConnected)
        {
            return; // the lease ends on its own
        }
        try
        {
            await database.SortedSetRemoveAsync(SocketsKey(userId), socketId.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex); // the lease ends on its own
        }
    }

    /// <summary>Extends the leases of <paramref name="connections"/> (this node's open sockets).</summary>
    public async Task RenewAsync(IEnumerable<ChatConnection> connections)
    {
        if (!redis.IsConnected)
        {
            return;
        }
        var lease = (long)Settings.SocketLease.TotalMilliseconds;
        await Task.WhenAll(connections.Select(c =>
            database.ScriptEvaluateAsync(RenewScript, [SocketsKey(c.UserId)], [lease, c.Id.ToString()])));
    }

    /// <summary>Counts one post of <paramref name="userId"/>; answers the time to wait when over the budget, else null.</summary>
    public async Task<TimeSpan?> TryPostAsync(Guid userId)
    {
        // Known to be down: the post is not counted (fail open) and not delayed by the command timeout.
        if (!redis.IsConnected)
        {
            return null;
        }
        try
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(CountScript, [$"chat:rl:post:{userId}"],
                [(long)Settings.PostRateWindow.TotalMilliseconds]))!;
            return (long)result[0] <= Settings.MaxPostsPerUser ? null : TimeSpan.FromMilliseconds(Math.Max(1, (long)result[1]));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex);
            return null;
        }
    }

    /// <summary>The detail of a refused post.</summary>
    public string PostLimitDetail(TimeSpan retryAfter) =>
        $"At most {Settings.MaxPostsPerUser} messages per {Settings.PostRateWindow.TotalSeconds:0} s; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.";

    [LoggerMessage(LogLevel.Warning, "Chat budgets not enforced: Redis is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

/// <summary>Renews the leases of this node's open sockets every third of <see cref="ChatOptions.SocketLease"/>.</summary>
public sealed partial class SocketLeaseRenewal(ChatFanout fanout, ChatBudgets budgets, IOptions<ChatOptions> options, TimeProvider time, ILogger<SocketLeaseRenewal> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SocketLease / 3, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await budgets.RenewAsync(fanout.Connections.ToList());
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogRenewFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not renew the socket leases")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
