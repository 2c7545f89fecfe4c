using System.Net.WebSockets;
using Campus.Redis;
using StackExchange.Redis;

namespace Campus.Chat.Realtime;

/// <summary>
/// Closes the open sockets whose token auth revoked (logout, block, role change, password reset, refresh-token reuse):
/// auth announces each revocation on <see cref="TokenRevocation.Channel"/>, and every node closes its matching sockets
/// with 1008 <c>token revoked</c>. New handshakes with such a token are refused by the deny-list check
/// (<c>AddTokenRevocationCheck</c>). Subscribes in the background and retries while Redis is unreachable.
/// </summary>
public sealed partial class RevocationListener(IConnectionMultiplexer redis, ChatFanout fanout, ILogger<RevocationListener> logger) : BackgroundService
{
    public const string CloseReason = "token revoked";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(TokenRevocation.Channel, (_, message) => OnNotice((byte[])message!));
                return; // StackExchange.Redis restores the subscription after a reconnect.
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private void OnNotice(byte[] utf8)
    {
        if (RevocationNotice.Parse(utf8) is not { } notice)
        {
            return;
        }
        foreach (var connection in fanout.Connections.Where(c => notice.Voids(c.UserId, c.SessionId, c.SecurityVersion)))
        {
            connection.Kick(WebSocketCloseStatus.PolicyViolation, CloseReason);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(TokenRevocation.Channel);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogSubscribeFailed(logger, ex);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not subscribe to token revocations; retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
