using System.Diagnostics;
using Campus.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace Campus.E2E.Tests;

/// <summary>
/// Watches the auth service's outbox from outside: a queue of its own bound to the events exchange for a routing
/// key nobody else uses, and rows written straight into <c>campus_auth.outbox_messages</c>, as the service's own
/// transactions do, so the running relay is what must publish them.
/// </summary>
internal sealed class OutboxProbe : IAsyncDisposable
{
    private const string Exchange = "campus.events";
    private readonly string _routingKey = $"e2e.probe{Guid.NewGuid():N}.written";
    private readonly string _queue;
    private readonly List<Guid> _ids = [];

    private OutboxProbe(string queue) => _queue = queue;

    public static async Task<OutboxProbe> BindAsync(CancellationToken cancellationToken)
    {
        var probe = new OutboxProbe(TestInfrastructure.UniqueName("e2e-outbox-"));
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        // The exchange exists: every host declares it when it connects (checked passively, its arguments are the hosts').
        await channel.ExchangeDeclarePassiveAsync(Exchange, cancellationToken);
        await channel.QueueDeclareAsync(probe._queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(probe._queue, Exchange, probe._routingKey, cancellationToken: cancellationToken);
        return probe;
    }

    public async Task WriteOutboxRowsAsync(int count, CancellationToken cancellationToken)
    {
        await using var db = await OpenAuthDatabaseAsync(cancellationToken);
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            _ids.Add(id);
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO outbox_messages (id, type, routing_key, payload, created_at, attempts)
                VALUES (@id, @type, @type, @payload::jsonb, now(), 0)
                """, db);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("type", _routingKey);
            insert.Parameters.AddWithValue("payload", $$"""{"id":"{{id}}","type":"{{_routingKey}}","occurred_at":"{{DateTimeOffset.UtcNow:O}}"}""");
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<uint> WaitForMessagesAsync(uint expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var clock = Stopwatch.StartNew();
        uint count;
        while ((count = (await channel.QueueDeclarePassiveAsync(_queue, cancellationToken)).MessageCount) < expected && clock.Elapsed < timeout)
        {
            await Task.Delay(250, cancellationToken);
        }
        return count;
    }

    public async Task<long> PendingOutboxRowsAsync(CancellationToken cancellationToken)
    {
        await using var db = await OpenAuthDatabaseAsync(cancellationToken);
        await using var query = new NpgsqlCommand("SELECT count(*) FROM outbox_messages WHERE id = ANY(@ids) AND published_at IS NULL", db);
        query.Parameters.AddWithValue("ids", _ids.ToArray());
        return (long)(await query.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = await ConnectAsync(CancellationToken.None);
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(_queue, ifUnused: false, ifEmpty: false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Best effort: the queue carries a unique name.
        }
    }

    private static async Task<NpgsqlConnection> OpenAuthDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString("campus_auth"));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static Task<IConnection> ConnectAsync(CancellationToken cancellationToken) =>
        new ConnectionFactory { Uri = new Uri(TestInfrastructure.RabbitMqUri) }.CreateConnectionAsync(cancellationToken);
}
