using System.Collections.Concurrent;

namespace Campus.Messaging;

/// <summary>
/// How many deliveries each of this host's consumers has finished with: handled, or moved to its retry or dead-letter
/// queue, and acked (a delivery handed back to the broker is not counted: it comes again). Keyed by the subscription's
/// queue name without <see cref="MessagingOptions.QueuePrefix"/>. It is the signal that "a message was consumed and
/// nothing came of it": tests wait on it instead of waiting for a while.
/// </summary>
public sealed class ConsumerProgress
{
    private readonly ConcurrentDictionary<string, long> _settled = new(StringComparer.Ordinal);

    /// <summary>The deliveries of <paramref name="queue"/> acked since the host started.</summary>
    public long Settled(string queue) => _settled.TryGetValue(queue, out var count) ? count : 0;

    internal void Add(string queue) => _settled.AddOrUpdate(queue, 1, (_, count) => count + 1);
}
