using System.Text.Json;
using Campus.Testing;

namespace Campus.Chat.Tests;

/// <summary>On an analytics rebuild request, chat re-publishes the messages per author and day.</summary>
public sealed class AnalyticsSnapshotTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    [Fact]
    public async Task A_rebuild_request_republishes_each_authors_messages_per_day()
    {
        var author = Guid.NewGuid();
        using var client = factory.ClientFor(factory.Jwt, author);
        var chat = await client.CreateGroupAsync();
        await client.PostMessageAsync(chat, "one");
        await client.PostMessageAsync(chat, "two");

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        List<JsonElement> mine = [];
        await Wait.UntilAsync(async () =>
        {
            mine = [.. (await factory.Database.OutboxEventsAsync("chat.activity.snapshot")).Where(e => e.GetProperty("user_id").GetGuid() == author)];
            return mine.Count > 0;
        });
        var day = Assert.Single(mine);
        Assert.Equal((DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 2),
            (day.GetProperty("day").GetString(), day.GetProperty("messages").GetInt32()));
    }
}
