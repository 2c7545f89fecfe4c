using System.Globalization;
using Campus.Chat.Messages;
using Campus.Testing;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Campus.Chat.Tests;

/// <summary>
/// Chat's activity for analytics: each post counts for its author's UTC day, the publisher announces a total once each
/// time it moved (<c>chat.activity.counted</c> in the outbox), and analytics' rebuild request announces every total again.
/// </summary>
public sealed class ActivityCountTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Today => DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Posts_are_announced_as_the_authors_running_total_of_the_day_once_each_time_it_moved()
    {
        var author = Guid.NewGuid();
        using var client = factory.ClientFor(factory.Jwt, author);
        var chat = await client.CreateGroupAsync();
        await client.PostMessageAsync(chat, "one");
        await client.PostMessageAsync(chat, "two");
        await Wait.UntilAsync(async () => (await TotalsAsync(author)) is [.., 2]);
        await client.PostMessageAsync(chat, "three");
        await Wait.UntilAsync(async () => (await TotalsAsync(author)) is [.., 3]);

        // A round after the last announcement announces nothing more for the author: the total did not move.
        await Publisher.RunAsync(Ct);
        var totals = await TotalsAsync(author);
        Assert.Equal(3, totals[^1]);
        Assert.Equal(totals.Distinct().Order(), totals); // each total once, growing (1 may be skipped: two posts, one round)
    }

    [Fact]
    public async Task A_rebuild_request_announces_every_total_again()
    {
        var author = Guid.NewGuid();
        using var client = factory.ClientFor(factory.Jwt, author);
        var chat = await client.CreateGroupAsync();
        await client.PostMessageAsync(chat, "one");
        await client.PostMessageAsync(chat, "two");
        await Wait.UntilAsync(async () => (await TotalsAsync(author)) is [.., 2]);
        var before = (await TotalsAsync(author)).Count;

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        await Wait.UntilAsync(async () => (await TotalsAsync(author)).Count == before + 1);
        Assert.Equal(2, (await TotalsAsync(author))[^1]);
    }

    [Fact]
    public async Task A_rebuild_announces_totals_past_one_batch()
    {
        // More (author, day) totals than one batch, all announced already.
        var authors = new HashSet<Guid>();
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO activity_counts (user_id, day, messages, published)
                SELECT gen_random_uuid(), DATE '2026-01-15', 5, 5 FROM generate_series(1, @n) RETURNING user_id
                """, connection);
            insert.Parameters.AddWithValue("n", ChatActivityPublisher.BatchSize + 100);
            await using var reader = await insert.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                authors.Add(reader.GetGuid(0));
            }
        }

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        var announced = new HashSet<Guid>();
        await Wait.UntilAsync(async () =>
        {
            announced = [.. (await factory.Database.OutboxEventsAsync("chat.activity.counted"))
                .SelectMany(e => e.GetProperty("counts").EnumerateArray())
                .Where(c => c.GetProperty("day").GetString() == "2026-01-15" && c.GetProperty("messages").GetInt32() == 5)
                .Select(c => c.GetProperty("user_id").GetGuid())];
            return authors.IsSubsetOf(announced);
        }, because: () => $"{authors.Count(announced.Contains)} of {authors.Count} totals announced");
    }

    private ChatActivityPublisher Publisher => factory.Services.GetServices<IHostedService>().OfType<ChatActivityPublisher>().Single();

    /// <summary>The totals announced for <paramref name="author"/> today, oldest first.</summary>
    private async Task<List<int>> TotalsAsync(Guid author) =>
        [.. (await factory.Database.OutboxEventsAsync("chat.activity.counted"))
            .SelectMany(e => e.GetProperty("counts").EnumerateArray())
            .Where(c => c.GetProperty("user_id").GetGuid() == author && c.GetProperty("day").GetString() == Today)
            .Select(c => c.GetProperty("messages").GetInt32())];
}
