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
        await factory.WaitUntilReadyAsync();
        var queue = PublishDeliverySnapshots.Queue;
        var settled = factory.Settled(queue);
        // Seen on fresh brokers: ready, yet the request went to the exchange's unrouted queue. Published once bound.
        await RabbitMqTestScope.WaitForBindingAsync(factory.Broker.Exchange, factory.Broker.QueuePrefix + queue, "analytics.rebuild.requested");

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        // The handler's outcome is known once the consumer acked the request; until then, where the request is says why not.
        var where = "";
        using var metrics = factory.CreateClient();
        await Wait.UntilAsync(async () =>
        {
            if (factory.Settled(queue) > settled)
            {
                return true;
            }
            var handling = (await metrics.GetStringAsync("/metrics", TestContext.Current.CancellationToken)).Split('\n')
                .FirstOrDefault(line => line.StartsWith("campus_messaging_messages_in_flight{", StringComparison.Ordinal)
                    && line.Contains($"queue=\"{queue}\"", StringComparison.Ordinal))?.Split(' ')[^1] ?? "no series";
            where = $"{await CountAsync(factory.Broker.QueuePrefix + queue)} ready in its queue, "
                + $"{await CountAsync(factory.Broker.QueuePrefix + queue + ".dlq")} in its dead-letter queue, {handling} being handled, "
                + $"{await CountAsync(factory.Broker.Exchange + ".unrouted")} in the exchange's unrouted queue";
            return false;
        }, seconds: 60, because: () => $"the rebuild request was not consumed within 60 s: {where}", intervalMs: 500);
        var mine = (await factory.Database.OutboxEventsAsync("notifications.delivery.snapshot")).Where(e => e.GetProperty("user_id").GetGuid() == user);
        Assert.Equal(
            [(sent.Id, "email", "sent", 2), (failed.Id, "telegram", "failed", 2)],
            mine.Select(e => (e.GetProperty("notification_id").GetGuid(), e.GetProperty("channel").GetString()!, e.GetProperty("state").GetString()!,
                e.GetProperty("attempts").GetInt32())).OrderBy(x => x.Item3 == "sent" ? 0 : 1));
    }

    private static async Task<string> CountAsync(string queue)
    {
        try
        {
            return (await RabbitMqTestScope.MessageCountAsync(queue)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return "no queue";
        }
    }
}
