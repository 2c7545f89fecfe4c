using System.Text.Json;
using Campus.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Campus.Content.Tests;

/// <summary>
/// A queue of the test's own bound to the host's events exchange with <c>content.transcode.requested</c>, standing in
/// for the worker's <c>content.transcode</c>: it shows what the outbox relay really published.
/// </summary>
internal sealed class TranscodeQueue : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private TranscodeQueue(IConnection connection, IChannel channel, string queue) => (_connection, _channel, _queue) = (connection, channel, queue);

    /// <summary>Binds a fresh queue; the host must have started (it declares the exchange).</summary>
    public static async Task<TranscodeQueue> BindAsync(RabbitMqTestScope broker)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.RabbitMqUri) }.CreateConnectionAsync();
        await ContentClient.WaitUntilAsync(async () =>
        {
            try
            {
                await using var probe = await connection.CreateChannelAsync();
                await probe.ExchangeDeclarePassiveAsync(broker.Exchange);
                return true;
            }
            catch (OperationInterruptedException)
            {
                return false;
            }
        });
        var channel = await connection.CreateChannelAsync();
        var queue = broker.QueuePrefix + "transcode-" + Guid.NewGuid().ToString("N")[..8];
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, broker.Exchange, "content.transcode.requested");
        return new TranscodeQueue(connection, channel, queue);
    }

    /// <summary>The transcode messages of <paramref name="mediaId"/> that arrive within <paramref name="wait"/>.</summary>
    public async Task<List<JsonElement>> MessagesForAsync(Guid mediaId, TimeSpan wait)
    {
        var found = new List<JsonElement>();
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            var message = await _channel.BasicGetAsync(_queue, autoAck: true);
            if (message is null)
            {
                await Task.Delay(100);
                continue;
            }
            var body = JsonDocument.Parse(message.Body).RootElement.Clone();
            if (body.GetProperty("media_id").GetGuid() == mediaId)
            {
                found.Add(body);
            }
        }
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.QueueDeleteAsync(_queue);
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
