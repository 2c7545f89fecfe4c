using System.Collections.Concurrent;
using System.Diagnostics;

namespace Campus.Messaging.Tests;

[RoutingKey("test.order.placed")]
public sealed record OrderPlaced(int Number) : IntegrationEvent;

[RoutingKey("test.order.shipped")]
public sealed record OrderShipped(int Number) : IntegrationEvent;

/// <summary>What a handler saw: the event, its context, when (Stopwatch ticks) and in which trace.</summary>
public sealed record Delivery(IntegrationEvent Event, MessageContext Context, long Timestamp, ActivityTraceId? TraceId);

/// <summary>
/// Records every delivery and lets a test decide what the handler does (throw to fail). Shared by the hosts of one
/// test as a singleton.
/// </summary>
public sealed class Probe
{
    private readonly ConcurrentQueue<Delivery> _deliveries = new();

    /// <summary>Runs inside the handler after the delivery is recorded; throw from it to fail the attempt.</summary>
    public Func<Delivery, Task> Behavior { get; set; } = _ => Task.CompletedTask;

    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    public async Task HandleAsync(IntegrationEvent @event, MessageContext context)
    {
        var delivery = new Delivery(@event, context, Stopwatch.GetTimestamp(), Activity.Current?.TraceId);
        _deliveries.Enqueue(delivery);
        await Behavior(delivery);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the deliveries so far.</summary>
    public Task<IReadOnlyList<Delivery>> WaitForAsync(Func<IReadOnlyList<Delivery>, bool> condition, TimeSpan? timeout = null) =>
        Eventually.WaitForAsync(() => Deliveries, condition, timeout ?? TimeSpan.FromSeconds(15), "deliveries");
}

public sealed class ProbeHandler<TEvent>(Probe probe) : IIntegrationEventHandler<TEvent> where TEvent : IntegrationEvent
{
    public Task HandleAsync(TEvent @event, MessageContext context, CancellationToken cancellationToken) => probe.HandleAsync(@event, context);
}

public static class Eventually
{
    /// <summary>Polls <paramref name="read"/> every 25 ms until <paramref name="condition"/> holds; fails with the last value.</summary>
    public static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> condition, TimeSpan timeout, string what) =>
        await WaitForAsync(() => Task.FromResult(read()), condition, timeout, what);

    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last value: {Describe(value)}");
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.ICollection collection => $"{collection.Count} items",
        _ => value?.ToString() ?? "null",
    };
}
