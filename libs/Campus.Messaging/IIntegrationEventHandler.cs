namespace Campus.Messaging;

/// <summary>
/// Handles one integration event type. Resolved from a new DI scope per message; register it with
/// <see cref="MessagingBuilder.AddSubscription{TEvent, THandler}(string)"/>.
/// </summary>
/// <remarks>
/// Delivery is at least once: a handler must be idempotent (dedupe by <see cref="MessageContext.MessageId"/> or by
/// the state of its own rows). Return normally only after the work is committed; the message is acked then.
/// Throw to retry with backoff; throw <see cref="PermanentMessageFailureException"/> to dead-letter at once.
/// </remarks>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, MessageContext context, CancellationToken cancellationToken);
}

/// <summary>Broker-side facts about the delivery being handled.</summary>
/// <param name="MessageId">AMQP message id (the event id for events published by Campus.Messaging).</param>
/// <param name="RoutingKey">The event's original routing key (kept across retries and re-drives).</param>
/// <param name="Queue">The queue it was consumed from, prefix included.</param>
/// <param name="Attempt">1 for the first delivery, 2 for the first retry, ...</param>
/// <param name="MaxAttempts">Attempts allowed before the message goes to the dead-letter queue.</param>
public sealed record MessageContext(string? MessageId, string RoutingKey, string Queue, int Attempt, int MaxAttempts)
{
    public bool IsLastAttempt => Attempt >= MaxAttempts;
}

/// <summary>
/// Thrown by a handler when retrying cannot help (invalid data, a referenced row that will never exist):
/// the message goes straight to the dead-letter queue.
/// </summary>
public sealed class PermanentMessageFailureException : Exception
{
    public PermanentMessageFailureException() { }
    public PermanentMessageFailureException(string message) : base(message) { }
    public PermanentMessageFailureException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Thrown when a publish is attempted while there is no open connection to RabbitMQ.</summary>
/// <remarks>Work that must not be lost goes through the outbox instead of publishing directly.</remarks>
public sealed class BrokerUnavailableException : Exception
{
    public BrokerUnavailableException() : base("RabbitMQ is not connected.") { }
    public BrokerUnavailableException(string message) : base(message) { }
    public BrokerUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
