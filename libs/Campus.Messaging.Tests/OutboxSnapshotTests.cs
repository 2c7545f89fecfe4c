using System.Text.Json;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;

namespace Campus.Messaging.Tests;

/// <summary>Snapshots through the outbox on the real PostgreSQL: every row once, in key order, in bounded keyset batches.</summary>
public sealed class OutboxSnapshotTests(PostgresTestDatabase<TestDbContext> database) : IClassFixture<PostgresTestDatabase<TestDbContext>>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_row_is_written_once_in_key_order_in_batches_that_each_start_after_the_last_key()
    {
        await using (var seed = database.CreateContext())
        {
            seed.Orders.AddRange(Enumerable.Range(1, 5).Select(n => new Order { Number = n }));
            await seed.SaveChangesAsync(Ct);
        }
        await using var db = database.CreateContext();
        var pages = new List<(int After, int Rows)>();

        var total = await db.PublishSnapshotAsync<Order, int>(
            async (after, size, ct) =>
            {
                var rows = await db.Orders.AsNoTracking().Where(o => o.Number > after).OrderBy(o => o.Number).Take(size).ToListAsync(ct);
                pages.Add((after, rows.Count));
                return rows;
            },
            order => order.Number,
            order => [new OrderPlaced(order.Number)],
            Ct,
            batchSize: 2);

        Assert.Equal(5, total);
        Assert.Equal([(0, 2), (2, 2), (4, 1)], pages);
        var written = await db.OutboxMessages.AsNoTracking().Where(m => m.RoutingKey == "test.order.placed").OrderBy(m => m.CreatedAt)
            .Select(m => m.Payload).ToListAsync(Ct);
        Assert.Equal([1, 2, 3, 4, 5], written.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("number").GetInt32()));
    }
}
