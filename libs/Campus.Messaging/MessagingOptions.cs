using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Messaging;

/// <summary>Options of Campus.Messaging, bound from the <c>Messaging</c> section.</summary>
/// <remarks>
/// The broker address is not here: it is <c>ConnectionStrings:RabbitMq</c> (an AMQP URI), like every other
/// connection string, and lands in <see cref="ConnectionString"/>.
/// </remarks>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";
    public const string ConnectionStringName = "RabbitMq";

    /// <summary>The durable topic exchange integration events are published to.</summary>
    [Required, RegularExpression(NamePattern)]
    public string Exchange { get; set; } = "campus.events";

    /// <summary>Unacknowledged deliveries a consumer holds at once (AMQP prefetch count).</summary>
    [Range(1, 1000)]
    public int Prefetch { get; set; } = 16;

    /// <summary>
    /// Deliveries of one queue a consumer handles at the same time (at most <see cref="Prefetch"/>). 1 keeps a
    /// queue's messages in order; a worker whose jobs are long and independent (transcoding) raises it.
    /// </summary>
    [Range(1, 100)]
    public int ConsumerConcurrency { get; set; } = 1;

    /// <summary>Deliveries of one message (first try included) before it goes to <c>&lt;queue&gt;.dlq</c>.</summary>
    [Range(1, 30)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the second attempt; each later attempt waits twice as long, up to <see cref="RetryMaxDelay"/>.</summary>
    [TimeSpanRange("00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound of one retry delay.</summary>
    [TimeSpanRange("00:00:00.001", "7.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Prepended to every queue name (not to the exchange); tests use it to isolate themselves.</summary>
    [RegularExpression(@"^[A-Za-z0-9._-]*$")]
    public string QueuePrefix { get; set; } = "";

    /// <summary>Connection name shown in the RabbitMQ management UI; defaults to the application name.</summary>
    public string? ClientName { get; set; }

    /// <summary>
    /// How long a publish, or an outbox batch's pipelined publishes, may wait for the broker (opening the channel and the
    /// confirms) before it counts as failed.
    /// </summary>
    [TimeSpanRange("00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbox rows the relay claims per transaction.</summary>
    [Range(1, 1000)]
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How often the relay looks for rows when nothing woke it up.</summary>
    [TimeSpanRange("00:00:00.050", "00:01:00")]
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long published outbox rows are kept (for diagnosis) before the relay deletes them.</summary>
    [TimeSpanRange("00:00:00", "365.00:00:00")]
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often a host samples the depth of the queues it consumes and the backlog of the outbox it relays for its
    /// metrics (<c>campus_messaging_queue_messages</c>, <c>campus_outbox_pending</c>, ...). A scrape reads the last sample.
    /// </summary>
    [TimeSpanRange("00:00:01", "00:05:00")]
    public TimeSpan MetricsSampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The AMQP URI from <c>ConnectionStrings:RabbitMq</c>. Never log it: it carries the password.</summary>
    /// <remarks>The setter is not public so the binder never reads it from the <c>Messaging</c> section.</remarks>
    public string? ConnectionString { get; internal set; }

    /// <summary>Delay before the attempt after <paramref name="failedAttempt"/> (1-based): base × 2^(n-1), capped.</summary>
    public TimeSpan RetryDelay(int failedAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var factor = Math.Pow(2, Math.Min(failedAttempt - 1, 30));
        var delay = TimeSpan.FromMilliseconds(Math.Min(RetryBaseDelay.TotalMilliseconds * factor, RetryMaxDelay.TotalMilliseconds));
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(delay.TotalMilliseconds)));
    }

    internal const string NamePattern = @"^[A-Za-z0-9][A-Za-z0-9._:-]*$";
}
