using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Campus.Messaging.Internal;

/// <summary>
/// Publishes with publisher confirms over a small pool of channels (a channel must not be used by two threads at
/// once). A publish returns only after the broker confirmed it; a nack, an unroutable (returned) message, a lost
/// connection or the <see cref="MessagingOptions.PublishTimeout"/> throw.
/// </summary>
internal sealed class BrokerPublisher(RabbitMqConnection connection, IOptions<MessagingOptions> options) : IAsyncDisposable
{
    private const int MaxPooledChannels = 16;

    private static readonly CreateChannelOptions ConfirmedChannel =
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private readonly ConcurrentBag<IChannel> _pool = [];
    private readonly TimeSpan _timeout = options.Value.PublishTimeout;

    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties,
        ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var current = connection.Current ?? throw new BrokerUnavailableException($"RabbitMQ is not connected ({connection.Status}).");
        var channel = await RentAsync(current, cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, timeout.Token);
        }
        catch
        {
            // The channel may hold an unconfirmed publish or be closed by the broker: never reuse it.
            await DiscardAsync(channel);
            throw;
        }
        Return(channel);
    }

    private async ValueTask<IChannel> RentAsync(IConnection current, CancellationToken cancellationToken)
    {
        while (_pool.TryTake(out var pooled))
        {
            if (pooled.IsOpen)
            {
                return pooled;
            }
            await DiscardAsync(pooled);
        }
        return await current.CreateChannelAsync(ConfirmedChannel, cancellationToken);
    }

    private void Return(IChannel channel)
    {
        if (channel.IsOpen && _pool.Count < MaxPooledChannels)
        {
            _pool.Add(channel);
        }
        else
        {
            _ = DiscardAsync(channel).AsTask();
        }
    }

    private static async ValueTask DiscardAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Disposing a channel of a dead connection may throw; there is nothing left to release.
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_pool.TryTake(out var channel))
        {
            await DiscardAsync(channel).ConfigureAwait(false); // see RabbitMqConnection.DisposeAsync
        }
    }

    /// <summary>Properties every message gets: persistent, JSON, id, type, time and headers.</summary>
    public static BasicProperties CreateProperties(string messageId, string type, DateTimeOffset timestamp,
        IDictionary<string, object?> headers) => new()
        {
            MessageId = messageId,
            Type = type,
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(timestamp.ToUnixTimeSeconds()),
            Headers = headers,
        };
}
