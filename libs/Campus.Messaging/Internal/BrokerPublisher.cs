using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Campus.Messaging.Internal;

/// <summary>
/// Publishes with publisher confirms over a small pool of channels, each rented by one caller at a time.
/// <see cref="PublishAsync"/> returns only after the broker confirmed the message; a nack, an unroutable (returned)
/// message, a lost connection or the <see cref="MessagingOptions.PublishTimeout"/> throw.
/// <see cref="PublishAllAsync"/> pipelines a batch on one channel (one round trip for the batch instead of one per
/// message) and answers each message's outcome.
/// </summary>
internal sealed class BrokerPublisher(RabbitMqConnection connection, IOptions<MessagingOptions> options) : IAsyncDisposable
{
    private const int MaxPooledChannels = 16;

    // No rate limiter on outstanding confirms: its throttling delays could let a later publish of a batch overtake an
    // earlier one; a batch is bounded by its caller instead (the outbox's batch size).
    private static readonly CreateChannelOptions ConfirmedChannel =
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null);

    private readonly ConcurrentBag<IChannel> _pool = [];
    private readonly TimeSpan _timeout = options.Value.PublishTimeout;

    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties,
        ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var outcomes = await PublishAllAsync(exchange, [new(routingKey, properties, body)], cancellationToken);
        if (outcomes[0] is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> in their order on one channel without waiting for a confirm before sending
    /// the next, then waits for every confirm; opening the channel and the confirms share one
    /// <see cref="MessagingOptions.PublishTimeout"/>. RabbitMQ.Client 7.2 sends the publishes of a channel in call order:
    /// each takes the channel's confirm lock (whose waiters are served first come, first served) before it returns to
    /// the caller, and numbers and writes its frames under it; the outbox's order test guards this across upgrades.
    /// Answers, per message, null when the broker confirmed it or why it did not; when
    /// <paramref name="cancellationToken"/> stops the wait, the unconfirmed ones answer an
    /// <see cref="OperationCanceledException"/>. Throws when no channel can be had: not connected, refused, not opened
    /// in time (<see cref="TimeoutException"/>), or <paramref name="cancellationToken"/> cancelled meanwhile.
    /// </summary>
    public async Task<Exception?[]> PublishAllAsync(string exchange, IReadOnlyList<OutgoingMessage> messages,
        CancellationToken cancellationToken)
    {
        var current = connection.Current ?? throw new BrokerUnavailableException($"RabbitMQ is not connected ({connection.Status}).");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        IChannel channel;
        try
        {
            channel = await RentAsync(current, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not open a channel within {_timeout}.", ex);
        }
        var publishes = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            try
            {
                publishes[i] = channel.BasicPublishAsync(exchange, message.RoutingKey, mandatory: true, message.Properties,
                    message.Body, timeout.Token).AsTask();
            }
            catch (Exception ex)
            {
                publishes[i] = Task.FromException(ex); // e.g. the channel was closed meanwhile: that message's outcome
            }
        }
        try
        {
            await Task.WhenAll(publishes);
        }
        catch (Exception)
        {
            // Read per message below.
        }

        var outcomes = new Exception?[publishes.Length];
        for (var i = 0; i < publishes.Length; i++)
        {
            outcomes[i] = publishes[i] switch
            {
                { IsCompletedSuccessfully: true } => null,
                { IsCanceled: true } when !cancellationToken.IsCancellationRequested =>
                    new TimeoutException($"RabbitMQ did not confirm the publish within {_timeout}."),
                { IsCanceled: true } => new OperationCanceledException(cancellationToken),
                var failed => failed.Exception!.InnerException!,
            };
        }
        if (Array.TrueForAll(outcomes, outcome => outcome is null))
        {
            Return(channel);
        }
        else
        {
            // It may hold unconfirmed publishes or be closed by the broker: never reuse it. Closing it waits for the
            // broker, which may be the one not answering: the caller learns of the failure without that wait.
            _ = DiscardAsync(channel).AsTask();
        }
        return outcomes;
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

    /// <summary>One message of <see cref="PublishAllAsync"/>.</summary>
    public readonly record struct OutgoingMessage(string RoutingKey, BasicProperties Properties, ReadOnlyMemory<byte> Body);

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
