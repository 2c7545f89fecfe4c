using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Campus.Messaging.Internal;

/// <summary>
/// Samples the depth of every queue this host consumes (work queue, its delay queues and its dead-letter queue) with
/// passive declares on one channel of the host's connection, every <c>Messaging:MetricsSampleInterval</c>. The
/// gauges of <see cref="MessagingMetrics"/> report the last sample, so a scrape never waits for the broker, and the
/// broker sees a handful of cheap declares per host and interval however often Prometheus scrapes. While the broker
/// is away the gauges disappear (stale numbers would mislead) and <c>campus_dependency_up</c> says why.
/// </summary>
internal sealed partial class QueueMetricsSampler(
    SubscriptionRegistry subscriptions,
    RabbitMqConnection connection,
    MessagingNames names,
    MessagingMetrics metrics,
    IOptions<MessagingOptions> options,
    ILogger<QueueMetricsSampler> logger) : BackgroundService
{
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = subscriptions.Queues.Select(q => q.Name).ToArray();
        if (queues.Length == 0)
        {
            return;
        }
        foreach (var queue in queues)
        {
            metrics.InitializeQueue(queue);
        }
        var retryDelays = names.RetryDelays().ToArray();
        using var timer = new PeriodicTimer(options.Value.MetricsSampleInterval);
        try
        {
            do
            {
                foreach (var queue in queues)
                {
                    await SampleAsync(queue, retryDelays, stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }
        }
    }

    private async Task SampleAsync(string logicalName, TimeSpan[] retryDelays, CancellationToken stoppingToken)
    {
        var queue = names.Queue(logicalName);
        try
        {
            var channel = await ChannelAsync(stoppingToken);
            if (channel is null)
            {
                metrics.ForgetQueue(logicalName);
                return;
            }
            var work = await channel.QueueDeclarePassiveAsync(queue, stoppingToken);
            var dead = await channel.QueueDeclarePassiveAsync(MessagingNames.DeadLetterQueue(queue), stoppingToken);
            long retrying = 0;
            foreach (var delay in retryDelays)
            {
                retrying += (await channel.QueueDeclarePassiveAsync(MessagingNames.RetryQueue(queue, delay), stoppingToken)).MessageCount;
            }
            metrics.SetQueue(logicalName, new QueueSample(work.MessageCount, work.ConsumerCount, retrying, dead.MessageCount));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A missing queue (not declared yet) closes the channel: open a new one next time.
            LogSampleFailed(ex, queue);
            metrics.ForgetQueue(logicalName);
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
                _channel = null;
            }
        }
    }

    private async Task<IChannel?> ChannelAsync(CancellationToken stoppingToken)
    {
        if (_channel is { IsOpen: true })
        {
            return _channel;
        }
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
            _channel = null;
        }
        if (connection.Current is not { } current)
        {
            return null;
        }
        _channel = await current.CreateChannelAsync(cancellationToken: stoppingToken);
        return _channel;
    }

    [LoggerMessage(LogLevel.Debug, "Sampling the depth of {Queue} failed")]
    private partial void LogSampleFailed(Exception exception, string queue);
}
