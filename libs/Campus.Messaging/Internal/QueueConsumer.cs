using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Campus.Messaging.Internal;

/// <summary>
/// Consumes one queue: manual ack, bounded prefetch, a DI scope and an activity (continuing the publisher's trace)
/// per message. A failed message is re-published to the delay queue of its attempt and acked; when attempts are
/// exhausted, or the failure is permanent or the payload unreadable, it goes to <c>&lt;queue&gt;.dlq</c> with the
/// reason in headers. Re-publishing is confirmed before the ack, so a message is never lost in between.
/// </summary>
internal sealed partial class QueueConsumer(
    QueueSubscription subscription,
    RabbitMqConnection connection,
    BrokerPublisher publisher,
    MessagingNames names,
    IServiceScopeFactory scopeFactory,
    IOptions<MessagingOptions> options,
    ConsumerProgress progress,
    TimeProvider timeProvider,
    MessagingMetrics metrics,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    private readonly MessagingOptions _options = options.Value;
    private readonly string _queue = names.Queue(subscription.Name);
    private readonly CreateChannelOptions _consumerChannel = new(publisherConfirmationsEnabled: false,
        publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: (ushort)options.Value.ConsumerConcurrency);
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromSeconds(1); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks)))
        {
            try
            {
                var current = await connection.WaitForConnectionAsync(stoppingToken);
                _channel = await current.CreateChannelAsync(_consumerChannel, stoppingToken);
                await _channel.BasicQosAsync(prefetchSize: 0, prefetchCount: (ushort)_options.Prefetch, global: false, stoppingToken);
                var consumer = new AsyncEventingBasicConsumer(_channel);
                consumer.ReceivedAsync += (_, delivery) => HandleDeliveryAsync(delivery, stoppingToken);
                // From here on the client's automatic recovery re-opens the channel and re-registers the consumer.
                await _channel.BasicConsumeAsync(_queue, autoAck: false, consumer, stoppingToken);
                LogConsuming(_queue);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogStartFailed(ex, _queue);
                if (_channel is not null)
                {
                    await _channel.DisposeAsync();
                    _channel = null;
                }
            }
            await Task.Delay(delay, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            // Unacked deliveries (a handler cancelled by the shutdown) return to the queue when the channel closes.
            try
            {
                await _channel.CloseAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                LogStopFailed(ex, _queue);
            }
            await _channel.DisposeAsync();
            // Closing completes on the client's consumer-dispatch thread, and without this the rest of the host's
            // shutdown would run on it: a caller that then blocks (host.Dispose()) would stall the client's own
            // shutdown until its timeouts expire.
            await Task.Yield();
        }
    }

    private async Task HandleDeliveryAsync(BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        metrics.InFlight(subscription.Name, +1);
        try
        {
            await ProcessDeliveryAsync(delivery, stoppingToken);
        }
        finally
        {
            metrics.InFlight(subscription.Name, -1);
        }
    }

    private async Task ProcessDeliveryAsync(BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        var channel = _channel!;
        var headers = delivery.BasicProperties.Headers;
        var attempt = Math.Max(1, MessageHeaders.GetInt(headers, MessageHeaders.Attempt) ?? 1);
        var routingKey = MessageHeaders.GetString(headers, MessageHeaders.OriginalRoutingKey) ?? delivery.RoutingKey;
        var messageId = delivery.BasicProperties.MessageId;
        using var activity = MessagingTelemetry.StartProcess(_queue, routingKey, messageId, attempt, MessagingTelemetry.Extract(headers));
        var started = timeProvider.GetTimestamp();
        string outcome;

        try
        {
            if (!subscription.Bindings.TryGetValue(routingKey, out var binding))
            {
                await RejectAsync(delivery, routingKey, attempt, $"No handler for routing key '{routingKey}' on this queue.", stoppingToken);
                outcome = "dead_lettered";
            }
            else if (!TryDeserialize(binding, delivery.Body, out var @event, out var error))
            {
                await RejectAsync(delivery, routingKey, attempt, $"Malformed payload for {binding.EventType.Name}: {error}", stoppingToken);
                outcome = "dead_lettered";
            }
            else
            {
                var published = delivery.BasicProperties.Timestamp.UnixTime;
                @event = @event.OccurredNowUnlessSet(published > 0 ? DateTimeOffset.FromUnixTimeSeconds(published) : timeProvider.GetUtcNow());
                outcome = await HandleEventAsync(binding, @event, delivery, routingKey, attempt, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: leave the message unacked; closing the channel puts it back without using an attempt.
            return;
        }
        catch (Exception ex)
        {
            // The retry/DLQ copy could not be confirmed (broker or channel trouble): hand the message back to the
            // broker instead of acking it. The pause keeps a persistent problem from becoming a hot loop.
            LogRequeue(ex, messageId, _queue);
            metrics.Processed(subscription.Name, "requeued", timeProvider.GetElapsedTime(started));
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            await SettleAsync(delivery, () => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None));
            return;
        }
        if (await SettleAsync(delivery, () => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None)))
        {
            progress.Add(subscription.Name);
        }
        metrics.Processed(subscription.Name, outcome, timeProvider.GetElapsedTime(started));
    }

    private async Task<bool> SettleAsync(BasicDeliverEventArgs delivery, Func<ValueTask> settle)
    {
        try
        {
            await settle();
            return true;
        }
        catch (Exception ex)
        {
            // Typically the channel died after the work was done: the broker redelivers what was not acked, and
            // handlers are idempotent.
            LogSettleFailed(ex, delivery.BasicProperties.MessageId, _queue);
            return false;
        }
    }

    private static bool TryDeserialize(EventBinding binding, ReadOnlyMemory<byte> body,
        [NotNullWhen(true)] out IntegrationEvent? @event, [NotNullWhen(false)] out string? error)
    {
        try
        {
            @event = binding.Deserialize(body);
            error = @event is null ? "the payload is null" : null;
        }
        catch (Exception ex)
        {
            // Any reading failure is permanent: the same bytes will fail the same way on every attempt.
            @event = null;
            error = MessageHeaders.Describe(ex);
        }
        return @event is not null;
    }

    /// <summary>Dead-letters a message that no attempt could ever handle.</summary>
    private Task RejectAsync(BasicDeliverEventArgs delivery, string routingKey, int attempt, string reason, CancellationToken stoppingToken)
    {
        LogRejected(delivery.BasicProperties.MessageId, routingKey, _queue, reason);
        return DeadLetterAsync(delivery, routingKey, attempt, reason, stoppingToken);
    }

    /// <summary>Runs the handler; returns the outcome for the metrics (handled, retried or dead_lettered).</summary>
    private async Task<string> HandleEventAsync(EventBinding binding, IntegrationEvent @event, BasicDeliverEventArgs delivery,
        string routingKey, int attempt, CancellationToken stoppingToken)
    {
        var messageId = delivery.BasicProperties.MessageId;
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var context = new MessageContext(messageId, routingKey, _queue, attempt, _options.MaxAttempts);
            await binding.InvokeAsync(scope.ServiceProvider, @event, context, stoppingToken);
            return "handled";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is PermanentMessageFailureException || attempt >= _options.MaxAttempts)
        {
            LogDeadLettered(ex, messageId, routingKey, _queue, attempt);
            await DeadLetterAsync(delivery, routingKey, attempt, MessageHeaders.Describe(ex), stoppingToken);
            return "dead_lettered";
        }
        catch (Exception ex)
        {
            var delay = _options.RetryDelay(attempt);
            LogRetrying(ex, messageId, routingKey, _queue, attempt, _options.MaxAttempts, delay);
            var headers = MessageHeaders.CopyForRepublish(delivery.BasicProperties.Headers);
            headers[MessageHeaders.Attempt] = attempt + 1;
            headers[MessageHeaders.OriginalRoutingKey] = routingKey;
            await RepublishAsync(delivery, MessagingNames.RetryQueue(_queue, delay), headers, stoppingToken);
            return "retried";
        }
    }

    private async Task DeadLetterAsync(BasicDeliverEventArgs delivery, string routingKey, int attempt, string reason,
        CancellationToken stoppingToken)
    {
        var headers = MessageHeaders.CopyForRepublish(delivery.BasicProperties.Headers);
        headers.Remove(MessageHeaders.Attempt);
        headers[MessageHeaders.Error] = MessageHeaders.Truncate(reason, 1000);
        headers[MessageHeaders.FailedAt] = timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        headers[MessageHeaders.Attempts] = attempt;
        headers[MessageHeaders.OriginalRoutingKey] = routingKey;
        await RepublishAsync(delivery, MessagingNames.DeadLetterQueue(_queue), headers, stoppingToken);
    }

    private Task RepublishAsync(BasicDeliverEventArgs delivery, string queue, Dictionary<string, object?> headers,
        CancellationToken stoppingToken) =>
        publisher.PublishAsync(exchange: "", routingKey: queue, new BasicProperties(delivery.BasicProperties) { Headers = headers },
            delivery.Body, stoppingToken);

    [LoggerMessage(LogLevel.Information, "Consuming {Queue}")]
    private partial void LogConsuming(string queue);

    [LoggerMessage(LogLevel.Warning, "Starting the consumer of {Queue} failed; retrying")]
    private partial void LogStartFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Debug, "Closing the consumer channel of {Queue} failed")]
    private partial void LogStopFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Warning, "Handling message {MessageId} ({RoutingKey}) from {Queue} failed on attempt {Attempt} of {MaxAttempts}; retrying in {Delay}")]
    private partial void LogRetrying(Exception exception, string? messageId, string routingKey, string queue, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Handling message {MessageId} ({RoutingKey}) from {Queue} failed on attempt {Attempt}; moved to the dead-letter queue")]
    private partial void LogDeadLettered(Exception exception, string? messageId, string routingKey, string queue, int attempt);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} ({RoutingKey}) from {Queue} moved to the dead-letter queue: {Reason}")]
    private partial void LogRejected(string? messageId, string routingKey, string queue, string reason);

    [LoggerMessage(LogLevel.Error, "Could not move message {MessageId} from {Queue} to its retry or dead-letter queue; requeued")]
    private partial void LogRequeue(Exception exception, string? messageId, string queue);

    [LoggerMessage(LogLevel.Warning, "Could not ack or requeue message {MessageId} of {Queue}; the broker redelivers it when the channel closes")]
    private partial void LogSettleFailed(Exception exception, string? messageId, string queue);
}
