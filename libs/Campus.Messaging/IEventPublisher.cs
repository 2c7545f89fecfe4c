using Campus.Messaging.Internal;

namespace Campus.Messaging;

/// <summary>Publishes integration events to the events exchange (eShop's <c>IEventBus</c>).</summary>
/// <remarks>
/// Returns after the broker confirmed the message (persistent, mandatory). It throws when the broker is down, so
/// anything that must survive an outage — or must only be published if the business transaction commits — goes
/// through the outbox (<c>db.AddOutboxMessage(evt)</c>) instead.
/// </remarks>
public interface IEventPublisher
{
    Task PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default) where TEvent : IntegrationEvent;
}

internal sealed class RabbitMqEventPublisher(BrokerPublisher publisher, MessagingNames names, TimeProvider clock) : IEventPublisher
{
    public async Task PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default) where TEvent : IntegrationEvent
    {
        ArgumentNullException.ThrowIfNull(@event);
        var stamped = @event.OccurredNowUnlessSet(clock.GetUtcNow());
        var routingKey = @event.Type;
        var messageId = @event.Id.ToString();
        using var activity = MessagingTelemetry.StartPublish(names.Exchange, routingKey, messageId);
        var headers = new Dictionary<string, object?>();
        MessagingTelemetry.Inject(activity, headers);
        var properties = BrokerPublisher.CreateProperties(messageId, routingKey, stamped.OccurredAt, headers);
        await publisher.PublishAsync(names.Exchange, routingKey, properties, IntegrationEventJson.Serialize(stamped), cancellationToken);
    }
}
