using Campus.Notifications.Data;

namespace Campus.Notifications.Worker.Tests;

/// <summary>What the delivery worker tells analytics: one <c>notifications.delivery.completed</c> when a delivery ends.</summary>
public sealed class AnalyticsEventsTests(WorkerFactory factory) : IClassFixture<WorkerFactory>
{
    private const string Html = "<p>Hello</p>";

    private async Task<List<System.Text.Json.JsonElement>> CompletedAsync(Guid id) =>
        [.. (await factory.Database.OutboxEventsAsync("notifications.delivery.completed")).Where(e => e.GetProperty("notification_id").GetGuid() == id)];

    [Fact]
    public async Task A_sent_delivery_is_announced_once_with_its_type_channel_and_attempts()
    {
        var id = await factory.EnqueueAsync(Channels.Email, "analytics-sent@example.test", Html, "Hi");
        var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);
        await factory.RequestDeliveryAsync(id); // a duplicate request finds it sent: nothing new

        var completed = Assert.Single(await CompletedAsync(id));
        Assert.Equal((row.UserId, row.TypeKey, "email", "sent", 1), (completed.GetProperty("user_id").GetGuid(), completed.GetProperty("notification_type").GetString(),
            completed.GetProperty("channel").GetString(), completed.GetProperty("state").GetString(), completed.GetProperty("attempts").GetInt32()));
    }

    [Fact]
    public async Task A_permanently_failed_delivery_is_announced_as_failed()
    {
        factory.Smtp.RecipientReply = address => address.StartsWith("analytics-rejected", StringComparison.Ordinal) ? "550 5.1.1 Mailbox unavailable" : "250 OK";
        try
        {
            var id = await factory.EnqueueAsync(Channels.Email, "analytics-rejected@example.test", Html, "Hi");
            await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Failed);

            var completed = Assert.Single(await CompletedAsync(id));
            Assert.Equal(("failed", 1), (completed.GetProperty("state").GetString(), completed.GetProperty("attempts").GetInt32()));
        }
        finally
        {
            factory.Smtp.RecipientReply = _ => "250 OK";
        }
    }
}
