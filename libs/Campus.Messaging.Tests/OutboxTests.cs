using System.Diagnostics;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Campus.Messaging.Tests;

/// <summary>The outbox on the real PostgreSQL and RabbitMQ: one database for the class, own broker names per test.</summary>
public sealed class OutboxTests(PostgresTestDatabase<TestDbContext> database) : IClassFixture<PostgresTestDatabase<TestDbContext>>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly RabbitMqTestScope _rabbit = new();
    private readonly Probe _probe = new();
    private readonly List<IHost> _hosts = [];

    public async ValueTask InitializeAsync()
    {
        await _rabbit.InitializeAsync();
        // Each test starts from an empty outbox (the database is shared by the class).
        await using var db = database.CreateContext();
        await db.OutboxMessages.ExecuteDeleteAsync(Ct);
        await db.Orders.ExecuteDeleteAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAndDisposeAsync();
        }
        await _rabbit.DisposeAsync();
    }

    /// <summary>A service host: the DbContext, its outbox relay, and a consumer of the events into the probe.</summary>
    private async Task<IHost> StartServiceAsync(string? rabbitMqUri = null, params (string Key, string? Value)[] settings)
    {
        var host = await MessagingTestHost.StartAsync(_rabbit.Settings(rabbitMqUri).With(settings),
            messaging => messaging
                .AddOutbox<TestDbContext>()
                .AddSubscription<OrderPlaced, ProbeHandler<OrderPlaced>>("orders"),
            services => services
                .AddSingleton(_probe)
                .AddDbContext<TestDbContext>(database.Configure));
        _hosts.Add(host);
        return host;
    }

    private static async Task PlaceOrdersAsync(IHost host, params int[] numbers)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        foreach (var number in numbers)
        {
            db.Orders.Add(new Order { Number = number });
            db.AddOutboxMessage(new OrderPlaced(number));
        }
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>Outbox rows for orders 1..<paramref name="count"/>, written in one transaction without a host.</summary>
    private async Task WriteOrdersAsync(int count)
    {
        await using var db = database.CreateContext();
        for (var n = 1; n <= count; n++)
        {
            db.AddOutboxMessage(new OrderPlaced(n));
        }
        await db.SaveChangesAsync(Ct);
    }

    private async Task<List<OutboxMessage>> RowsAsync()
    {
        await using var db = database.CreateContext();
        return await db.OutboxMessages.AsNoTracking().OrderBy(m => m.CreatedAt).ToListAsync(Ct);
    }

    [Fact]
    public async Task Committed_rows_are_published_at_once_in_created_order()
    {
        // A long poll interval: only the commit signal can explain a prompt publish.
        var host = await StartServiceAsync(settings: ("Messaging:OutboxPollInterval", "00:00:30"));
        await host.WaitForRabbitMqAsync();
        // The relay's first round runs at start; once a first order is delivered, that round is over and the relay
        // sleeps until a signal or the poll, so what follows can only be published by the commit's signal.
        await PlaceOrdersAsync(host, 0);
        await _probe.WaitForAsync(d => d.Count == 1, TimeSpan.FromSeconds(10));

        var started = Stopwatch.GetTimestamp();
        await PlaceOrdersAsync(host, 1, 2, 3, 4, 5);

        var deliveries = await _probe.WaitForAsync(d => d.Count == 6, TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "the relay should be woken by the commit");
        Assert.Equal([0, 1, 2, 3, 4, 5], deliveries.Select(d => ((OrderPlaced)d.Event).Number));
        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(5), "published rows");
        Assert.All(rows, row =>
        {
            Assert.Equal(1, row.Attempts);
            Assert.Null(row.LastError);
            Assert.Equal("test.order.placed", row.RoutingKey);
        });
        Assert.Equal(rows.Select(r => r.Id.ToString()), deliveries.Select(d => d.Context.MessageId));
    }

    [Fact]
    public async Task Rows_of_a_rolled_back_transaction_are_never_published()
    {
        var host = await StartServiceAsync();
        await host.WaitForRabbitMqAsync();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            db.Orders.Add(new Order { Number = 1 });
            db.AddOutboxMessage(new OrderPlaced(1));
            await db.SaveChangesAsync(Ct);
            await transaction.RollbackAsync(Ct);
        }

        await PlaceOrdersAsync(host, 2);

        await _probe.WaitForAsync(d => d.Count >= 1);
        // The one row there is was published and its delivery acked: nothing else can come.
        Assert.Single(await Eventually.WaitForAsync(RowsAsync, r => r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(5), "published rows"));
        await Wait.UntilAsync(() => host.Services.GetRequiredService<ConsumerProgress>().Settled("orders") >= 1);
        Assert.Equal([2], _probe.Deliveries.Select(d => ((OrderPlaced)d.Event).Number));
    }

    [Fact]
    public async Task Rows_written_while_the_broker_is_unreachable_are_all_published_when_it_is_back()
    {
        await using var proxy = TcpProxy.For(TestInfrastructure.RabbitMqUri);
        var host = await StartServiceAsync(proxy.Rewrite(TestInfrastructure.RabbitMqUri));
        await host.WaitForRabbitMqAsync();

        proxy.Stop();
        await host.WaitForRabbitMqAsync(HealthStatus.Unhealthy);
        for (var n = 1; n <= 10; n++)
        {
            await PlaceOrdersAsync(host, n); // ten separate transactions during the outage
        }
        Assert.Empty(_probe.Deliveries);
        Assert.All(await RowsAsync(), row => Assert.Null(row.PublishedAt));

        proxy.Start();

        var deliveries = await _probe.WaitForAsync(d => d.Count >= 10, TimeSpan.FromSeconds(30));
        await Eventually.WaitForAsync(RowsAsync, r => r.Count == 10 && r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(5),
            "all rows marked published");
        await Wait.UntilAsync(() => host.Services.GetRequiredService<ConsumerProgress>().Settled("orders") >= 10);
        Assert.Equal(Enumerable.Range(1, 10), _probe.Deliveries.Select(d => ((OrderPlaced)d.Event).Number).Order());
        Assert.Equal(Enumerable.Range(1, 10), deliveries.Select(d => ((OrderPlaced)d.Event).Number)); // in created order
    }

    [Fact]
    public async Task A_backlog_is_published_in_created_order_across_pipelined_batches()
    {
        const int count = 1000;
        await WriteOrdersAsync(count);

        await StartServiceAsync(settings: ("Messaging:OutboxBatchSize", "100"));

        var deliveries = await _probe.WaitForAsync(d => d.Count >= count, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, count), deliveries.Select(d => ((OrderPlaced)d.Event).Number));
        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(5), "published rows");
        Assert.All(rows, row => Assert.Equal(1, row.Attempts));
    }

    [Fact]
    public async Task A_batch_the_broker_does_not_confirm_stays_pending_with_the_reason_and_is_published_when_it_answers()
    {
        await using var proxy = TcpProxy.For(TestInfrastructure.RabbitMqUri);
        var host = await StartServiceAsync(proxy.Rewrite(TestInfrastructure.RabbitMqUri),
            ("Messaging:PublishTimeout", "00:00:00.500"), ("Messaging:OutboxPollInterval", "00:00:00.200"));
        await host.WaitForRabbitMqAsync();
        await PlaceOrdersAsync(host, 0); // the relay's channel is open before the broker stalls
        await _probe.WaitForAsync(d => d.Count == 1);

        proxy.Stall(); // the connection stays open; nothing the relay sends is answered
        await PlaceOrdersAsync(host, [.. Enumerable.Range(1, 20)]);
        var refused = await Eventually.WaitForAsync(async () => (await RowsAsync()).Skip(1).ToList(),
            r => r.Count == 20 && r.All(m => m.LastError is not null), TimeSpan.FromSeconds(10), "rows with the publish's failure");
        Assert.All(refused, row =>
        {
            Assert.Null(row.PublishedAt);
            // The first round times out waiting for the confirms, a later one may time out opening a new channel.
            Assert.Contains("RabbitMQ did not", row.LastError, StringComparison.Ordinal);
        });

        proxy.Resume();

        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(30),
            "rows published after the broker answers again");
        Assert.All(rows.Skip(1), row =>
        {
            Assert.Null(row.LastError);
            Assert.True(row.Attempts >= 2, $"attempts: {row.Attempts}");
        });
        // At least once: the unconfirmed publishes may have reached the broker too, so duplicates are allowed, gaps not.
        var deliveries = await _probe.WaitForAsync(d => d.Select(x => ((OrderPlaced)x.Event).Number).Distinct().Count() == 21,
            TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 21), deliveries.Select(d => ((OrderPlaced)d.Event).Number).Distinct().Order());
    }

    [Fact]
    public async Task A_row_that_cannot_be_sent_keeps_its_error_and_does_not_hold_up_the_rows_around_it()
    {
        Guid broken;
        await using (var db = database.CreateContext())
        {
            db.AddOutboxMessage(new OrderPlaced(1));
            broken = db.AddOutboxMessage(new OrderPlaced(2)).Id;
            db.AddOutboxMessage(new OrderPlaced(3));
            await db.SaveChangesAsync(Ct);
            // Headers the relay cannot read as text values (as a bad migration or a hand edit could leave them).
            await db.Database.ExecuteSqlAsync($"UPDATE outbox_messages SET headers = '{{\"traceparent\": 5}}'::jsonb WHERE id = {broken}", Ct);
        }

        await StartServiceAsync(settings: ("Messaging:OutboxPollInterval", "00:00:00.200"));

        var deliveries = await _probe.WaitForAsync(d => d.Count >= 2);
        Assert.Equal([1, 3], deliveries.Select(d => ((OrderPlaced)d.Event).Number));
        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.Single(m => m.Id == broken).LastError is not null,
            TimeSpan.FromSeconds(5), "the broken row's error");
        var row = rows.Single(m => m.Id == broken);
        Assert.Null(row.PublishedAt);
        Assert.Contains("JsonException", row.LastError, StringComparison.Ordinal);
        Assert.All(rows.Where(m => m.Id != broken), m => Assert.NotNull(m.PublishedAt));
    }

    [Fact]
    public async Task Two_relays_on_one_database_never_publish_a_row_twice()
    {
        const int count = 200;
        await WriteOrdersAsync(count);

        // Small batches so the two relays interleave; both also consume the queue.
        var first = StartServiceAsync(settings: ("Messaging:OutboxBatchSize", "7"));
        var second = StartServiceAsync(settings: ("Messaging:OutboxBatchSize", "7"));
        var hosts = await Task.WhenAll(first, second);

        await _probe.WaitForAsync(d => d.Count >= count, TimeSpan.FromSeconds(30));
        // Each row published once (one attempt), and every delivery acked by one of the two hosts.
        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.All(m => m.PublishedAt is not null), TimeSpan.FromSeconds(5), "published rows");
        Assert.All(rows, row => Assert.Equal(1, row.Attempts));
        await Wait.UntilAsync(() => hosts.Sum(host => host.Services.GetRequiredService<ConsumerProgress>().Settled("orders")) >= count);
        var deliveries = _probe.Deliveries;
        Assert.Equal(count, deliveries.Count);
        Assert.Equal(count, deliveries.Select(d => d.Event.Id).Distinct().Count());
    }

    [Fact]
    public async Task Trace_context_is_stored_with_the_row_and_continued_by_the_consumer()
    {
        var host = await StartServiceAsync();
        await host.WaitForRabbitMqAsync();
        using var request = new Activity("test request").Start();

        await PlaceOrdersAsync(host, 1);
        request.Stop();

        var delivery = Assert.Single(await _probe.WaitForAsync(d => d.Count == 1));
        Assert.Equal(request.TraceId, delivery.TraceId);
        var row = Assert.Single(await RowsAsync());
        Assert.Contains(request.TraceId.ToHexString(), row.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_rows_past_retention_are_deleted_and_pending_ones_kept()
    {
        var now = DateTimeOffset.UtcNow;
        Guid old, recent;
        await using (var db = database.CreateContext())
        {
            old = db.AddOutboxMessage(new OrderPlaced(1)).Id;
            recent = db.AddOutboxMessage(new OrderPlaced(2)).Id;
            await db.SaveChangesAsync(Ct);
            await db.OutboxMessages.Where(m => m.Id == old).ExecuteUpdateAsync(s => s.SetProperty(m => m.PublishedAt, now.AddDays(-8)), Ct);
            await db.OutboxMessages.Where(m => m.Id == recent).ExecuteUpdateAsync(s => s.SetProperty(m => m.PublishedAt, now.AddDays(-1)), Ct);
            db.AddOutboxMessage(new OrderPlaced(3));
            await db.SaveChangesAsync(Ct);
        }

        await StartServiceAsync();

        await _probe.WaitForAsync(d => d.Count == 1);
        var rows = await Eventually.WaitForAsync(RowsAsync, r => r.Count == 2, TimeSpan.FromSeconds(10), "the old row deleted");
        Assert.DoesNotContain(rows, r => r.Id == old);
        Assert.Contains(rows, r => r.Id == recent);
        Assert.Equal(3, ((OrderPlaced)_probe.Deliveries.Single().Event).Number);
    }
}
