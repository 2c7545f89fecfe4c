using System.Globalization;
using System.Text;
using Campus.Messaging.Internal;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Campus.Messaging;

/// <summary>Inspects and re-drives <c>&lt;queue&gt;.dlq</c>. Queue names are the logical ones given to <c>AddSubscription</c>.</summary>
public interface IDeadLetterQueue
{
    /// <summary>Messages waiting in the dead-letter queue of <paramref name="queue"/>.</summary>
    Task<uint> CountAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> dead letters, oldest first, left in place.</summary>
    Task<IReadOnlyList<DeadLetter>> PeekAsync(string queue, int max = 20, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves up to <paramref name="max"/> dead letters back to the work queue with their attempts reset (each copy is
    /// confirmed by the broker before the dead letter is removed) and returns how many were moved. Messages that
    /// arrive in the dead-letter queue while it runs are left for the next call.
    /// </summary>
    Task<int> RedriveAsync(string queue, int max = int.MaxValue, CancellationToken cancellationToken = default);
}

/// <summary>A dead-lettered message as an operator sees it.</summary>
/// <param name="MessageId">AMQP message id (the event id).</param>
/// <param name="RoutingKey">The event's original routing key.</param>
/// <param name="Error">Exception type and message of the last failure (<c>x-error</c>).</param>
/// <param name="FailedAt">When it was dead-lettered (<c>x-failed-at</c>, ISO 8601).</param>
/// <param name="Attempts">Attempts made (<c>x-attempts</c>).</param>
/// <param name="Headers">All headers, byte values decoded as UTF-8.</param>
/// <param name="Payload">The body as UTF-8 text. Payloads may hold personal data: do not log them.</param>
public sealed record DeadLetter(
    string? MessageId,
    string? RoutingKey,
    string? Error,
    DateTimeOffset? FailedAt,
    int Attempts,
    IReadOnlyDictionary<string, string?> Headers,
    string Payload);

internal sealed partial class DeadLetterQueue(
    RabbitMqConnection connection,
    BrokerPublisher publisher,
    MessagingNames names,
    TimeProvider timeProvider,
    ILogger<DeadLetterQueue> logger) : IDeadLetterQueue
{
    public async Task<uint> CountAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var channel = await OpenChannelAsync(cancellationToken);
        return (await channel.QueueDeclarePassiveAsync(MessagingNames.DeadLetterQueue(names.Queue(queue)), cancellationToken)).MessageCount;
    }

    public async Task<IReadOnlyList<DeadLetter>> PeekAsync(string queue, int max = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var dlq = MessagingNames.DeadLetterQueue(names.Queue(queue));
        var letters = new List<DeadLetter>();
        await using var channel = await OpenChannelAsync(cancellationToken);
        ulong lastTag = 0;
        while (letters.Count < max && await channel.BasicGetAsync(dlq, autoAck: false, cancellationToken) is { } message)
        {
            lastTag = message.DeliveryTag;
            letters.Add(ToDeadLetter(message));
        }
        if (lastTag != 0)
        {
            await channel.BasicNackAsync(lastTag, multiple: true, requeue: true, cancellationToken);
        }
        return letters;
    }

    public async Task<int> RedriveAsync(string queue, int max = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var workQueue = names.Queue(queue);
        var dlq = MessagingNames.DeadLetterQueue(workQueue);
        await using var channel = await OpenChannelAsync(cancellationToken);
        // Bounded by what is there now, so a message that fails again and comes back is not re-driven in a loop.
        var limit = Math.Min(max, (long)(await channel.QueueDeclarePassiveAsync(dlq, cancellationToken)).MessageCount);
        var moved = 0;
        while (moved < limit && await channel.BasicGetAsync(dlq, autoAck: false, cancellationToken) is { } message)
        {
            try
            {
                var headers = MessageHeaders.CopyForRepublish(message.BasicProperties.Headers);
                headers.Remove(MessageHeaders.Attempt);
                headers.Remove(MessageHeaders.Attempts);
                headers.Remove(MessageHeaders.Error);
                headers.Remove(MessageHeaders.FailedAt);
                headers[MessageHeaders.RedrivenAt] = timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
                var properties = new BasicProperties(message.BasicProperties) { Headers = headers };
                await publisher.PublishAsync(exchange: "", routingKey: workQueue, properties, message.Body, cancellationToken);
            }
            catch
            {
                await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                throw;
            }
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }
        LogRedriven(moved, dlq, workQueue);
        return moved;
    }

    private async Task<IChannel> OpenChannelAsync(CancellationToken cancellationToken)
    {
        var current = connection.Current ?? throw new BrokerUnavailableException($"RabbitMQ is not connected ({connection.Status}).");
        return await current.CreateChannelAsync(cancellationToken: cancellationToken);
    }

    private static DeadLetter ToDeadLetter(BasicGetResult message)
    {
        var headers = message.BasicProperties.Headers;
        var decoded = (headers ?? new Dictionary<string, object?>())
            .ToDictionary(h => h.Key, h => MessageHeaders.GetString(headers, h.Key), StringComparer.Ordinal);
        return new DeadLetter(
            message.BasicProperties.MessageId,
            MessageHeaders.GetString(headers, MessageHeaders.OriginalRoutingKey) ?? message.RoutingKey,
            MessageHeaders.GetString(headers, MessageHeaders.Error),
            DateTimeOffset.TryParse(MessageHeaders.GetString(headers, MessageHeaders.FailedAt), CultureInfo.InvariantCulture,
                DateTimeStyles.RoundtripKind, out var failedAt) ? failedAt : null,
            MessageHeaders.GetInt(headers, MessageHeaders.Attempts) ?? 0,
            decoded,
            Encoding.UTF8.GetString(message.Body.Span));
    }

    [LoggerMessage(LogLevel.Information, "Re-drove {Count} messages from {DeadLetterQueue} to {Queue}")]
    private partial void LogRedriven(int count, string deadLetterQueue, string queue);
}
