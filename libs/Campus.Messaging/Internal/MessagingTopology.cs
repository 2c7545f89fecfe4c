using RabbitMQ.Client;

namespace Campus.Messaging.Internal;

/// <summary>
/// Declares the exchange and every subscribed queue with its retry and dead-letter queues. All declarations are
/// idempotent; they run on every (re)connection, so a broker that lost its state gets them back.
/// </summary>
internal sealed class MessagingTopology(MessagingNames names, SubscriptionRegistry subscriptions)
{
    /// <summary>Bound on the unrouted queue: it is for diagnosis, not a store.</summary>
    private const int UnroutedMaxLength = 10_000;

    public async Task DeclareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        // Publishes are mandatory, so an event nobody has bound a queue to would come back as a failed publish and
        // stall the outbox. The alternate exchange routes such events to a bounded queue instead, where they can be
        // inspected.
        await channel.ExchangeDeclareAsync(names.Unrouted, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(names.Unrouted, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-length"] = UnroutedMaxLength },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(names.Unrouted, names.Unrouted, routingKey: "", cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(names.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["alternate-exchange"] = names.Unrouted },
            cancellationToken: cancellationToken);

        foreach (var subscription in subscriptions.Queues)
        {
            var queue = names.Queue(subscription.Name);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                cancellationToken: cancellationToken);
            foreach (var routingKey in subscription.Bindings.Keys)
            {
                await channel.QueueBindAsync(queue, names.Exchange, routingKey, cancellationToken: cancellationToken);
            }

            await channel.QueueDeclareAsync(MessagingNames.DeadLetterQueue(queue), durable: true, exclusive: false,
                autoDelete: false, cancellationToken: cancellationToken);

            // A retry is parked in the delay queue with no consumer; when its TTL expires the broker dead-letters it
            // through the default exchange straight back to the work queue.
            foreach (var delay in names.RetryDelays())
            {
                await channel.QueueDeclareAsync(MessagingNames.RetryQueue(queue, delay), durable: true, exclusive: false,
                    autoDelete: false,
                    arguments: new Dictionary<string, object?>
                    {
                        ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                        ["x-dead-letter-exchange"] = "",
                        ["x-dead-letter-routing-key"] = queue,
                    },
                    cancellationToken: cancellationToken);
            }
        }
    }
}
