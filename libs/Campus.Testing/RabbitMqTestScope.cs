using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using RabbitMQ.Client;

namespace Campus.Testing;

/// <summary>
/// Isolation on the real local RabbitMQ for one test or test class: its own exchange (<c>{Isolation}.events</c>) and
/// queue prefix (<c>{Isolation}.</c>), the same scheme <see cref="CampusHostFactory{TProgram}"/> uses. Disposing it
/// deletes every queue and exchange whose name starts with <c>{Isolation}.</c>, found through the management API.
/// </summary>
public sealed class RabbitMqTestScope : IAsyncLifetime
{
    public string Isolation { get; } = TestInfrastructure.UniqueName("t");

    public string QueuePrefix => Isolation + ".";

    public string Exchange => Isolation + ".events";

    /// <summary>Settings for a host under test: connection string, exchange and queue prefix.</summary>
    public IReadOnlyDictionary<string, string?> Settings(string? rabbitMqUri = null) => new Dictionary<string, string?>
    {
        ["ConnectionStrings:RabbitMq"] = rabbitMqUri ?? TestInfrastructure.RabbitMqUri,
        ["Messaging:Exchange"] = Exchange,
        ["Messaging:QueuePrefix"] = QueuePrefix,
    };

    /// <summary>Messages ready in <paramref name="queues"/> together (full names, prefix included), read from the queues themselves.</summary>
    public static async Task<uint> MessageCountAsync(params string[] queues)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var count = 0u;
        foreach (var queue in queues)
        {
            count += (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        return count;
    }

    /// <summary>The names of the queues that start with <paramref name="prefix"/> (from the management API).</summary>
    public static Task<List<string>> QueuesAsync(string prefix) => ListAsync("queues", prefix);

    /// <summary>Publishes raw bytes, bypassing any library: for malformed or foreign messages.</summary>
    public static async Task PublishRawAsync(string exchange, string routingKey, string body, string? messageId = null)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var properties = new BasicProperties { MessageId = messageId ?? Guid.NewGuid().ToString(), Persistent = true, ContentType = "application/json" };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Fails fast with a useful message when the broker is not running.</summary>
    public async ValueTask InitializeAsync()
    {
        var uri = new Uri(TestInfrastructure.RabbitMqUri);
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not reachable on {uri.Host}:{uri.Port}; start it with `./platform up` (or set CAMPUS_RABBITMQ_PORT).", ex);
        }
    }

    public async ValueTask DisposeAsync() => await DeleteAllAsync(QueuePrefix);

    /// <summary>Deletes every queue and exchange whose name starts with <paramref name="prefix"/>. Best effort.</summary>
    public static async Task DeleteAllAsync(string prefix)
    {
        try
        {
            var queues = await QueuesAsync(prefix);
            var exchanges = await ListAsync("exchanges", prefix);
            if (queues.Count + exchanges.Count == 0)
            {
                return;
            }
            await using var connection = await ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            foreach (var queue in queues)
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            }
            foreach (var exchange in exchanges)
            {
                await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
        {
            // Cleanup must never fail a test; leftovers carry a unique test prefix and harm nobody.
        }
    }

    private static readonly HttpClient Management = CreateManagementClient();

    private static HttpClient CreateManagementClient()
    {
        var port = Environment.GetEnvironmentVariable("CAMPUS_RABBITMQ_MANAGEMENT_PORT") is { Length: > 0 } value ? value : "15673";
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/"), Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }

    private static async Task<List<string>> ListAsync(string kind, string prefix)
    {
        var items = await Management.GetFromJsonAsync<List<NamedItem>>($"{kind}/%2F?columns=name") ?? [];
        return [.. items.Select(i => i.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal))];
    }

    /// <summary>A connection to the test broker (<see cref="TestInfrastructure.RabbitMqUri"/>).</summary>
    public static Task<IConnection> ConnectAsync() =>
        new ConnectionFactory { Uri = new Uri(TestInfrastructure.RabbitMqUri) }.CreateConnectionAsync();

    private sealed record NamedItem(string Name);
}
