using System.Diagnostics.Metrics;
using Campus.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Campus.Auth.Tokens;

/// <summary>
/// Makes revocations take effect at once: writes the deny-list entries (<see cref="TokenRevocation"/>) that the gateway
/// and the services check, and announces them on <see cref="TokenRevocation.Channel"/> so chat nodes close the
/// matching open sockets. Called after the database change (PostgreSQL stays the record: a revoked session can no
/// longer refresh). A Redis failure is logged and counted, never thrown: the change itself has happened, and the
/// access tokens it should have voided expire within <see cref="AuthOptions.AccessTokenLifetime"/>.
/// </summary>
public sealed partial class RevocationPublisher(
    IConnectionMultiplexer redis, IDatabase database, IOptions<AuthOptions> options, ILogger<RevocationPublisher> logger, IMeterFactory meters)
{
    private readonly Counter<long> _failures = meters.Create("Campus.Auth").CreateCounter<long>("campus.auth.revocations.unpublished",
        description: "Revocations that could not be written to Redis (their access tokens live until they expire).");

    private TimeSpan EntryLifetime => TokenRevocation.EntryLifetime(options.Value.AccessTokenLifetime);

    /// <summary>Voids every access token of these sessions (logout, refresh-token reuse).</summary>
    public async Task SessionsRevokedAsync(IReadOnlyCollection<Guid> sessionIds)
    {
        if (sessionIds.Count == 0)
        {
            return;
        }
        await PublishAsync(async () =>
        {
            var writes = sessionIds.Select(sid => database.StringSetAsync(TokenRevocation.SessionKey(sid.ToString()), 1, EntryLifetime)).ToList();
            await Task.WhenAll(writes);
            var subscriber = redis.GetSubscriber();
            await Task.WhenAll(sessionIds.Select(sid => subscriber.PublishAsync(TokenRevocation.Channel, new RevocationNotice(SessionId: sid).ToUtf8())));
        });
    }

    /// <summary>Voids every access token of <paramref name="userId"/> issued before its security version became <paramref name="minVersion"/>.</summary>
    public Task UserRevokedAsync(Guid userId, long minVersion) => PublishAsync(async () =>
    {
        // Never lowers an entry: two changes racing each other leave the higher version.
        await database.ScriptEvaluateAsync("""
            local current = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 1
            """, [TokenRevocation.UserKey(userId.ToString())], [minVersion, (long)EntryLifetime.TotalMilliseconds]);
        await redis.GetSubscriber().PublishAsync(TokenRevocation.Channel, new RevocationNotice(UserId: userId, MinVersion: minVersion).ToUtf8());
    });

    private async Task PublishAsync(Func<Task> publish)
    {
        try
        {
            await publish();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _failures.Add(1);
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(LogLevel.Error, "A revocation could not be written to Redis: the affected access tokens stay valid until they expire")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
