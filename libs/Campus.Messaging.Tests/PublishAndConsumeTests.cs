using System.Diagnostics;
using Campus.Testing;

namespace Campus.Messaging.Tests;

/// <summary>Publishing with confirms and consuming with manual ack, on the real broker.</summary>
public sealed class PublishAndConsumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Confirmed_message_is_consumed_exactly_once()
    {
        await using var bed = await TestBed.StartAsync();
        var events = Enumerable.Range(1, 20).Select(n => new OrderPlaced(n)).ToList();

        foreach (var @event in events)
        {
            await bed.Publisher.PublishAsync(@event, Ct);
        }

        await bed.Probe.WaitForAsync(d => d.Count >= events.Count);
        // Every delivery acked and none left on the queue: a duplicate would be among the deliveries by now.
        await Wait.UntilAsync(() => bed.Consumed.Settled(TestBed.Queue) >= events.Count);
        Assert.Equal(0u, await RabbitMqTestScope.MessageCountAsync(bed.FullQueueName));
        var deliveries = bed.Probe.Deliveries;
        Assert.Equal(events.Select(e => e.Id).Order(), deliveries.Select(d => d.Event.Id).Order());
        Assert.All(deliveries, d =>
        {
            Assert.Equal(1, d.Context.Attempt);
            Assert.Equal(d.Event.Id.ToString(), d.Context.MessageId);
            Assert.Equal("test.order.placed", d.Context.RoutingKey);
            Assert.Equal(bed.FullQueueName, d.Context.Queue);
        });
        Assert.Equal(0u, await RabbitMqTestScope.MessageCountAsync(bed.FullQueueName));
        Assert.Equal(0u, await bed.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Deliveries_are_handled_one_at_a_time_by_default()
    {
        await using var bed = await TestBed.StartAsync();
        var running = 0;
        var overlapped = false;
        bed.Probe.Behavior = async _ =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Delay(100, Ct);
            Interlocked.Decrement(ref running);
        };

        foreach (var n in Enumerable.Range(1, 4))
        {
            await bed.Publisher.PublishAsync(new OrderPlaced(n), Ct);
        }

        await bed.Probe.WaitForAsync(d => d.Count == 4);
        Assert.False(overlapped);
    }

    [Fact]
    public async Task Consumer_concurrency_handles_that_many_deliveries_at_once()
    {
        await using var bed = await TestBed.StartAsync(("Messaging:Prefetch", "4"), ("Messaging:ConsumerConcurrency", "3"));
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var mostAtOnce = 0;
        bed.Probe.Behavior = async _ =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            if (now == 3)
            {
                allRunning.TrySetResult();
            }
            // Each handler waits until three run at the same time (or gives up, and the assertion below fails).
            await allRunning.Task.WaitAsync(TimeSpan.FromSeconds(3), Ct).ContinueWith(_ => { }, Ct);
            Interlocked.Decrement(ref running);
        };

        foreach (var n in Enumerable.Range(1, 3))
        {
            await bed.Publisher.PublishAsync(new OrderPlaced(n), Ct);
        }

        await bed.Probe.WaitForAsync(d => d.Count == 3);
        await Eventually.WaitForAsync(() => Volatile.Read(ref running), r => r == 0, TimeSpan.FromSeconds(10), "handlers to finish");
        Assert.Equal(3, mostAtOnce);
        Assert.Equal(0u, await bed.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Trace_context_flows_from_publisher_to_handler()
    {
        await using var bed = await TestBed.StartAsync();
        using var request = new Activity("test request").Start();

        await bed.Publisher.PublishAsync(new OrderPlaced(1), Ct);

        var delivery = Assert.Single(await bed.Probe.WaitForAsync(d => d.Count == 1));
        Assert.Equal(request.TraceId, delivery.TraceId);
    }

    [Fact]
    public async Task Malformed_payload_goes_straight_to_the_dlq()
    {
        await using var bed = await TestBed.StartAsync();
        var messageId = Guid.NewGuid().ToString();

        await RabbitMqTestScope.PublishRawAsync(bed.Rabbit.Exchange, "test.order.placed", "{\"number\": ", messageId);

        await bed.WaitForDeadLettersAsync(1);
        var letter = Assert.Single(await bed.DeadLetters.PeekAsync(TestBed.Queue, cancellationToken: Ct));
        Assert.Equal(messageId, letter.MessageId);
        Assert.Equal(1, letter.Attempts);
        Assert.Equal("test.order.placed", letter.RoutingKey);
        Assert.StartsWith("Malformed payload for OrderPlaced", letter.Error);
        Assert.NotNull(letter.FailedAt);
        Assert.Empty(bed.Probe.Deliveries);
    }

    [Fact]
    public async Task Event_nobody_subscribes_to_is_confirmed_and_kept_in_the_unrouted_queue()
    {
        await using var bed = await TestBed.StartAsync();

        await bed.Publisher.PublishAsync(new OrderShipped(1), Ct);

        Assert.Equal(1u, await RabbitMqTestScope.MessageCountAsync(bed.Rabbit.Exchange + ".unrouted"));
        Assert.Empty(bed.Probe.Deliveries);
    }

    [Fact]
    public async Task Peeking_the_dlq_leaves_its_messages_in_place()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Probe.Behavior = _ => throw new PermanentMessageFailureException("no such order");
        await bed.Publisher.PublishAsync(new OrderPlaced(7), Ct);
        await bed.WaitForDeadLettersAsync(1);

        var first = await bed.DeadLetters.PeekAsync(TestBed.Queue, cancellationToken: Ct);
        var second = await bed.DeadLetters.PeekAsync(TestBed.Queue, cancellationToken: Ct);

        Assert.Single(first);
        Assert.Equal(first.Select(l => l.MessageId), second.Select(l => l.MessageId));
        Assert.Equal(1u, await bed.DeadLetterCountAsync());
        Assert.Contains("\"number\":7", first[0].Payload, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
