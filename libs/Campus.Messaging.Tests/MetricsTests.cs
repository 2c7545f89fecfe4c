using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Messaging.Tests;

/// <summary>
/// The <c>Campus.Messaging</c> meter of a host on the real broker: deliveries count by outcome, each with its duration,
/// and the sampled gauges show the dead letter, the consumer and the empty work queue.
/// </summary>
public sealed class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deliveries_count_by_outcome_and_the_sampled_gauges_show_the_dead_letter_and_the_consumer()
    {
        await using var bed = await TestBed.StartAsync(("Messaging:RetryBaseDelay", "00:00:00.050"), ("Messaging:MaxAttempts", "2"),
            ("Messaging:MetricsSampleInterval", "00:00:01"));
        using var metrics = new HostMetrics(bed.Host.Services.GetRequiredService<IMeterFactory>());

        // Order 1 fails once, then succeeds; order 2 fails for good.
        bed.Probe.Behavior = d => ((OrderPlaced)d.Event).Number == 2 || d.Context.Attempt == 1 ? throw new InvalidOperationException("no") : Task.CompletedTask;
        await bed.Publisher.PublishAsync(new OrderPlaced(1), Ct);
        await bed.Publisher.PublishAsync(new OrderPlaced(2), Ct);
        await bed.WaitForDeadLettersAsync(1);
        await bed.Probe.WaitForAsync(d => d.Count(x => ((OrderPlaced)x.Event).Number == 1) == 2);

        await Wait.UntilAsync(() => Task.FromResult(metrics.Counter("campus.messaging.messages.processed", TestBed.Queue, "handled") == 1
            && metrics.Counter("campus.messaging.messages.processed", TestBed.Queue, "retried") == 2
            && metrics.Counter("campus.messaging.messages.processed", TestBed.Queue, "dead_lettered") == 1));
        Assert.Equal(4, metrics.Count("campus.messaging.process.duration"));
        await Wait.UntilAsync(() => Task.FromResult(metrics.Gauge("campus.messaging.dlq.messages", TestBed.Queue) == 1));
        Assert.Equal(1, metrics.Gauge("campus.messaging.queue.consumers", TestBed.Queue));
        Assert.Equal(0, metrics.Gauge("campus.messaging.queue.messages", TestBed.Queue));
    }

    [Fact]
    public async Task A_delivery_counts_as_in_flight_from_its_arrival_until_its_ack()
    {
        await using var bed = await TestBed.StartAsync();
        using var metrics = new HostMetrics(bed.Host.Services.GetRequiredService<IMeterFactory>());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bed.Probe.Behavior = _ => release.Task;

        await bed.Publisher.PublishAsync(new OrderPlaced(1), Ct);
        await bed.Probe.WaitForAsync(d => d.Count == 1);
        Assert.Equal(1, metrics.Counter("campus.messaging.messages.in_flight", TestBed.Queue, ""));

        release.SetResult();
        // The ack is counted as settled a moment before the delivery leaves the in-flight count.
        await Wait.UntilAsync(() => bed.Consumed.Settled(TestBed.Queue) == 1);
        await Wait.UntilAsync(() => metrics.Counter("campus.messaging.messages.in_flight", TestBed.Queue, "") == 0);
    }

    /// <summary>Reads the instruments of one host (its <see cref="IMeterFactory"/>), not those of other tests' hosts.</summary>
    private sealed class HostMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, double> _sums = new();
        private readonly ConcurrentDictionary<string, double> _last = new();
        private readonly ConcurrentDictionary<string, long> _counts = new();

        public HostMetrics(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == "Campus.Messaging")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public double Counter(string name, string queue, string outcome) => _sums.GetValueOrDefault($"{name}|{queue}|{outcome}", double.NaN);

        public long Count(string name) => _counts.Where(c => c.Key.StartsWith(name + "|", StringComparison.Ordinal)).Sum(c => c.Value);

        public double Gauge(string name, string queue)
        {
            _listener.RecordObservableInstruments();
            return _last.GetValueOrDefault($"{name}|{queue}|", double.NaN);
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? queue = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "queue")
                {
                    queue = tag.Value as string;
                }
                else if (tag.Key == "outcome")
                {
                    outcome = tag.Value as string;
                }
            }
            var key = $"{instrument.Name}|{queue}|{outcome}";
            _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
            _last[key] = value;
            _counts.AddOrUpdate(key, 1, (_, count) => count + 1);
        }

        public void Dispose() => _listener.Dispose();
    }
}
