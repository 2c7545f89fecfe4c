using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Messaging.Internal;

/// <summary>What each queue consumes, filled by <see cref="MessagingBuilder.AddSubscription{TEvent, THandler}"/>.</summary>
internal sealed class SubscriptionRegistry
{
    private readonly Dictionary<string, QueueSubscription> _queues = new(StringComparer.Ordinal);

    /// <summary>Queues by logical name (without the prefix).</summary>
    public IReadOnlyCollection<QueueSubscription> Queues => _queues.Values;

    /// <summary>Adds the binding; returns true when the queue is new (it then needs its consumer).</summary>
    public bool Add(string queue, EventBinding binding)
    {
        var isNew = !_queues.TryGetValue(queue, out var subscription);
        if (isNew)
        {
            subscription = new QueueSubscription(queue);
            _queues.Add(queue, subscription);
        }
        if (!subscription!.Bindings.TryAdd(binding.RoutingKey, binding))
        {
            throw new InvalidOperationException(
                $"Queue '{queue}' already has a handler for '{binding.RoutingKey}'; one handler per event and queue.");
        }
        return isNew;
    }

    public QueueSubscription Get(string queue) => _queues[queue];
}

internal sealed class QueueSubscription(string name)
{
    public string Name { get; } = name;

    /// <summary>Handlers by routing key.</summary>
    public Dictionary<string, EventBinding> Bindings { get; } = new(StringComparer.Ordinal);
}

/// <summary>One event type consumed by one handler type; typed delegates so dispatch needs no reflection.</summary>
internal sealed record EventBinding(
    string RoutingKey,
    Type EventType,
    Type HandlerType,
    Func<ReadOnlyMemory<byte>, IntegrationEvent?> Deserialize,
    Func<IServiceProvider, IntegrationEvent, MessageContext, CancellationToken, Task> InvokeAsync)
{
    public static EventBinding Create<TEvent, THandler>()
        where TEvent : IntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent> =>
        new(RoutingKeyAttribute.Of(typeof(TEvent)),
            typeof(TEvent),
            typeof(THandler),
            static body => JsonSerializer.Deserialize<TEvent>(body.Span, IntegrationEventJson.Options),
            static (services, @event, context, cancellationToken) =>
                services.GetRequiredService<THandler>().HandleAsync((TEvent)@event, context, cancellationToken));
}
