using System.Diagnostics;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Campus.Testing;

/// <summary>
/// A queue of the test's own, bound to a host's exchange for one routing key (wildcards allowed): what the host really
/// published, read back from the real broker. The queue is deleted on dispose.
/// </summary>
public sealed class BrokerProbe : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private BrokerProbe(IConnection connection, IChannel channel, string queue) => (_connection, _channel, Queue) = (connection, channel, queue);

    /// <summary>The probe's queue (the scope's prefix included).</summary>
    public string Queue { get; }

    /// <summary>Binds a fresh queue to <paramref name="broker"/>'s exchange, waiting until a started host has declared it.</summary>
    public static async Task<BrokerProbe> BindAsync(RabbitMqTestScope broker, string routingKey)
    {
        var connection = await RabbitMqTestScope.ConnectAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var passive = await connection.CreateChannelAsync();
                await passive.ExchangeDeclarePassiveAsync(broker.Exchange);
                break;
            }
            catch (OperationInterruptedException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(Poll);
            }
        }
        var channel = await connection.CreateChannelAsync();
        var queue = broker.QueuePrefix + "probe." + Guid.NewGuid().ToString("N")[..8];
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, broker.Exchange, routingKey);
        return new BrokerProbe(connection, channel, queue);
    }

    /// <summary>Messages waiting in the queue.</summary>
    public Task<uint> CountAsync() => _channel.MessageCountAsync(Queue);

    /// <summary>
    /// The first message matching <paramref name="match"/> (every message when null) within <paramref name="timeout"/>;
    /// null when none came. Messages that do not match are consumed and dropped.
    /// </summary>
    public async Task<JsonElement?> TakeAsync(Func<JsonElement, bool>? match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await TakeOneAsync() is { } message)
            {
                if (match is null || match(message))
                {
                    return message;
                }
                continue;
            }
            await Task.Delay(Poll);
        }
        return null;
    }

    /// <summary>Every message matching <paramref name="match"/> that arrives within <paramref name="wait"/> (waits it out in full).</summary>
    public async Task<List<JsonElement>> CollectAsync(Func<JsonElement, bool> match, TimeSpan wait)
    {
        var found = new List<JsonElement>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < wait)
        {
            if (await TakeOneAsync() is { } message)
            {
                if (match(message))
                {
                    found.Add(message);
                }
                continue;
            }
            await Task.Delay(Poll);
        }
        return found;
    }

    /// <summary>Every message in the queue now.</summary>
    public async Task<List<JsonElement>> DrainAsync()
    {
        var messages = new List<JsonElement>();
        while (await TakeOneAsync() is { } message)
        {
            messages.Add(message);
        }
        return messages;
    }

    private async Task<JsonElement?> TakeOneAsync() =>
        await _channel.BasicGetAsync(Queue, autoAck: true) is { } message
            ? JsonDocument.Parse(message.Body).RootElement.Clone()
            : null;

    public async ValueTask DisposeAsync()
    {
        await _channel.QueueDeleteAsync(Queue);
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
