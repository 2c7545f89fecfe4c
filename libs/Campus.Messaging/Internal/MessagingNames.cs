using System.Globalization;
using Microsoft.Extensions.Options;

namespace Campus.Messaging.Internal;

/// <summary>Every broker name the library uses, in one place.</summary>
internal sealed class MessagingNames(IOptions<MessagingOptions> options)
{
    private readonly MessagingOptions _options = options.Value;

    public string Exchange => _options.Exchange;

    /// <summary>Alternate exchange and queue of <see cref="Exchange"/>: events nobody is bound to yet land here.</summary>
    public string Unrouted => _options.Exchange + ".unrouted";

    public string Queue(string logicalName) => _options.QueuePrefix + logicalName;

    public static string DeadLetterQueue(string queue) => queue + ".dlq";

    /// <summary>
    /// One delay queue per distinct delay, named after it: every message in it waits the same time, so none waits
    /// behind an earlier, longer one (no head-of-line blocking), and changing the delays creates new queues instead of
    /// failing on a TTL argument mismatch.
    /// </summary>
    public static string RetryQueue(string queue, TimeSpan delay) =>
        string.Create(CultureInfo.InvariantCulture, $"{queue}.retry.{(long)delay.TotalMilliseconds}ms");

    /// <summary>The distinct retry delays for attempts 1 .. MaxAttempts-1.</summary>
    public IEnumerable<TimeSpan> RetryDelays() =>
        Enumerable.Range(1, Math.Max(0, _options.MaxAttempts - 1)).Select(_options.RetryDelay).Distinct();
}
