using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Campus.Messaging.Internal;

/// <summary>
/// The <c>Campus.Messaging</c> meter (exported on <c>/metrics</c> by every host that uses the library). Labels are
/// bounded: <c>queue</c> is the logical queue name given to <c>AddSubscription</c> (a handful per host), <c>outcome</c>
/// one of <see cref="Outcomes"/>, <c>outbox</c> the DbContext's name. Never a message id, user or routing payload.
/// </summary>
internal sealed class MessagingMetrics
{
    public const string MeterName = "Campus.Messaging";

    /// <summary>How a delivery ended: acked after its handler succeeded, re-published to a delay queue, moved to the
    /// dead-letter queue, or handed back to the broker because the retry/DLQ copy could not be confirmed.</summary>
    public static readonly string[] Outcomes = ["handled", "retried", "dead_lettered", "requeued"];

    private readonly Counter<long> _processed;
    private readonly Histogram<double> _processDuration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Counter<long> _outboxPublished;
    private readonly Counter<long> _outboxFailures;
    private readonly ConcurrentDictionary<string, QueueSample> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OutboxSample> _outboxes = new(StringComparer.Ordinal);

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _processed = meter.CreateCounter<long>("campus.messaging.messages.processed", unit: "{message}",
            description: "Deliveries consumed, by queue and outcome (handled, retried, dead_lettered, requeued).");
        _processDuration = meter.CreateHistogram<double>("campus.messaging.process.duration", unit: "s",
            description: "Time from a delivery's arrival to its ack, by queue (handler and retry/DLQ publish included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
        _inFlight = meter.CreateUpDownCounter<long>("campus.messaging.messages.in_flight", unit: "{message}",
            description: "Deliveries this host is handling now (from arrival to ack), by queue: a consumer's saturation, and with an empty queue the sign that it has finished its work.");
        _outboxPublished = meter.CreateCounter<long>("campus.outbox.messages.published", unit: "{message}",
            description: "Outbox rows published (broker confirmed), by outbox.");
        _outboxFailures = meter.CreateCounter<long>("campus.outbox.publish.failures", unit: "{failure}",
            description: "Outbox publishes that failed and will be retried, by outbox.");
        meter.CreateObservableGauge("campus.messaging.queue.messages", () => ObserveQueues(s => s.Ready), unit: "{message}",
            description: "Messages ready in a work queue (not yet delivered to a consumer): the consumer lag, sampled every few seconds.");
        meter.CreateObservableGauge("campus.messaging.queue.consumers", () => ObserveQueues(s => s.Consumers), unit: "{consumer}",
            description: "Consumers attached to a work queue (every replica of the host), sampled every few seconds.");
        meter.CreateObservableGauge("campus.messaging.retry.messages", () => ObserveQueues(s => s.Retrying), unit: "{message}",
            description: "Messages of a queue waiting in its delay queues for another attempt.");
        meter.CreateObservableGauge("campus.messaging.dlq.messages", () => ObserveQueues(s => s.DeadLetters), unit: "{message}",
            description: "Messages in a queue's dead-letter queue (<queue>.dlq).");
        meter.CreateObservableGauge("campus.outbox.pending", () => ObserveOutboxes(s => s.Pending), unit: "{message}",
            description: "Outbox rows not yet published (counted up to a cap), by outbox.");
        meter.CreateObservableGauge("campus.outbox.oldest_pending.age", () => ObserveOutboxes(s => s.OldestAgeSeconds), unit: "s",
            description: "Age of the oldest unpublished outbox row (0 when none), by outbox.");
    }

    public void Processed(string queue, string outcome, TimeSpan duration)
    {
        var queueTag = new KeyValuePair<string, object?>("queue", queue);
        _processed.Add(1, queueTag, new KeyValuePair<string, object?>("outcome", outcome));
        _processDuration.Record(duration.TotalSeconds, queueTag);
    }

    /// <summary>A delivery of <paramref name="queue"/> arrived (+1) or was settled (-1).</summary>
    public void InFlight(string queue, int delta) => _inFlight.Add(delta, new KeyValuePair<string, object?>("queue", queue));

    /// <summary>Starts every outcome of <paramref name="queue"/> at 0, so rates and alerts see the series before the first event.</summary>
    public void InitializeQueue(string queue)
    {
        var queueTag = new KeyValuePair<string, object?>("queue", queue);
        foreach (var outcome in Outcomes)
        {
            _processed.Add(0, queueTag, new KeyValuePair<string, object?>("outcome", outcome));
        }
        _inFlight.Add(0, queueTag);
    }

    public void InitializeOutbox(string outbox)
    {
        var tag = new KeyValuePair<string, object?>("outbox", outbox);
        _outboxPublished.Add(0, tag);
        _outboxFailures.Add(0, tag);
    }

    public void OutboxPublished(string outbox, int count) => _outboxPublished.Add(count, new KeyValuePair<string, object?>("outbox", outbox));

    public void OutboxPublishFailed(string outbox) => _outboxFailures.Add(1, new KeyValuePair<string, object?>("outbox", outbox));

    public void SetQueue(string queue, QueueSample sample) => _queues[queue] = sample;

    public void ForgetQueue(string queue) => _queues.TryRemove(queue, out _);

    public void SetOutbox(string outbox, OutboxSample sample) => _outboxes[outbox] = sample;

    public void ForgetOutbox(string outbox) => _outboxes.TryRemove(outbox, out _);

    private IEnumerable<Measurement<long>> ObserveQueues(Func<QueueSample, long> value) =>
        _queues.Select(q => new Measurement<long>(value(q.Value), new KeyValuePair<string, object?>("queue", q.Key)));

    private IEnumerable<Measurement<double>> ObserveOutboxes(Func<OutboxSample, double> value) =>
        _outboxes.Select(o => new Measurement<double>(value(o.Value), new KeyValuePair<string, object?>("outbox", o.Key)));
}

internal readonly record struct QueueSample(long Ready, long Consumers, long Retrying, long DeadLetters);

internal readonly record struct OutboxSample(double Pending, double OldestAgeSeconds);
