using Campus.Notifications.Data;
using Campus.Notifications.Deliveries;
using Campus.Testing;

namespace Campus.Notifications.Tests;

/// <summary>On an analytics rebuild request, notifications re-publishes every finished delivery as a snapshot.</summary>
public sealed class AnalyticsSnapshotTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task A_rebuild_request_republishes_sent_and_failed_deliveries_but_not_pending_ones()
    {
        var user = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        Notification Row(NotificationStatus status, string channel) => new()
        {
            UserId = user, TypeKey = "course_published", Channel = channel, Recipient = channel == "email" ? "u@example.org" : "42",
            Body = "Hi", Status = status, Attempts = status == NotificationStatus.Pending ? 0 : 2, CreatedAt = now,
            SentAt = status == NotificationStatus.Sent ? now : null, IdempotencyKey = Guid.NewGuid().ToString(),
        };
        var sent = Row(NotificationStatus.Sent, "email");
        var failed = Row(NotificationStatus.Failed, "telegram");
        var pending = Row(NotificationStatus.Pending, "email");
        await using (var db = factory.Database.CreateContext())
        {
            db.Notifications.AddRange(sent, failed, pending);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var queue = PublishDeliverySnapshots.Queue;
        var settled = factory.Settled(queue);
        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        // The handler's outcome is known once the consumer acked the request.
        await Wait.UntilAsync(() => factory.Settled(queue) > settled, seconds: 30);
        var mine = (await factory.Database.OutboxEventsAsync("notifications.delivery.snapshot")).Where(e => e.GetProperty("user_id").GetGuid() == user);
        Assert.Equal(
            [(sent.Id, "email", "sent", 2), (failed.Id, "telegram", "failed", 2)],
            mine.Select(e => (e.GetProperty("notification_id").GetGuid(), e.GetProperty("channel").GetString()!, e.GetProperty("state").GetString()!,
                e.GetProperty("attempts").GetInt32())).OrderBy(x => x.Item3 == "sent" ? 0 : 1));
    }
}
