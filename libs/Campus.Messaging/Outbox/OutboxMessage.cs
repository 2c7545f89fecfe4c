namespace Campus.Messaging.Outbox;

/// <summary>
/// An integration event saved in the service's own database, in the same transaction as the business rows, and
/// published later by the outbox relay. Rows are the source of truth while the broker is down.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>The event id; also the AMQP message id consumers dedupe by.</summary>
    public Guid Id { get; set; }

    /// <summary>The event type (its routing key, see <see cref="IntegrationEvent.Type"/>).</summary>
    public required string Type { get; set; }

    public required string RoutingKey { get; set; }

    /// <summary>The event as JSON (jsonb).</summary>
    public required string Payload { get; set; }

    /// <summary>AMQP headers to publish with, as a JSON object: the W3C trace context of the writer (jsonb).</summary>
    public string? Headers { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the broker confirmed it; null while pending.</summary>
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>Publish attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Why the last attempt failed, if it did.</summary>
    public string? LastError { get; set; }
}
