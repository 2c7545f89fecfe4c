using Microsoft.EntityFrameworkCore;

namespace Campus.Messaging.Outbox;

/// <summary>
/// Re-publishing an owner's current state (snapshot events, e.g. when analytics rebuilds its facts) through the outbox,
/// in bounded batches: each batch is read with keyset paging (after the last key of the previous one, never OFFSET) and
/// written to the outbox in its own transaction, so memory, transaction size and lock time stay bounded however many
/// rows there are, and the relay starts publishing while later batches are still being read.
/// </summary>
public static class OutboxSnapshots
{
    /// <summary>The batch size owners use unless they have a reason not to.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>
    /// Calls <paramref name="page"/> with the last key of the previous batch (default first) and <paramref name="batchSize"/>
    /// until it answers fewer rows than asked; adds <paramref name="toEvents"/> of every row to the outbox and saves each
    /// batch. <paramref name="page"/> must order by the key and return only rows after the given key. Returns how many
    /// rows were announced.
    /// </summary>
    public static async Task<int> PublishSnapshotAsync<TRow, TKey>(
        this DbContext db,
        Func<TKey?, int, CancellationToken, Task<List<TRow>>> page,
        Func<TRow, TKey> keyOf,
        Func<TRow, IEnumerable<IntegrationEvent>> toEvents,
        CancellationToken ct,
        int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var total = 0;
        TKey? after = default;
        while (true)
        {
            var rows = await page(after, batchSize, ct);
            foreach (var row in rows)
            {
                foreach (var @event in toEvents(row))
                {
                    db.AddOutboxMessage(@event);
                }
            }
            if (rows.Count > 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                after = keyOf(rows[^1]);
                total += rows.Count;
            }
            if (rows.Count < batchSize)
            {
                return total;
            }
        }
    }
}
