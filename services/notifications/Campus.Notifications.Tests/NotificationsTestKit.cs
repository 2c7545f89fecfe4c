using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Notifications.Tests;

internal static class NotificationsTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A probe standing in for the delivery worker: bound to <c>notifications.delivery.requested</c> on the host's
    /// exchange, so a test sees exactly which delivery messages the service published.
    /// </summary>
    public static Task<BrokerProbe> DeliveryProbeAsync(NotificationsFactory factory) =>
        BrokerProbe.BindAsync(factory.Broker, "notifications.delivery.requested");

    /// <summary>The deliveries of the host's consumer of <paramref name="queue"/> (without the prefix) acked so far.</summary>
    public static long Settled(this NotificationsFactory factory, string queue) =>
        factory.Services.GetRequiredService<ConsumerProgress>().Settled(queue);

    /// <summary>
    /// Waits until <paramref name="count"/> messages arrived and the host's outbox holds nothing unpublished (so no
    /// further message is on its way), then returns their notification ids.
    /// </summary>
    public static async Task<List<Guid>> DeliveriesAsync(NotificationsFactory factory, BrokerProbe probe, int count)
    {
        await Wait.UntilAsync(async () => await probe.CountAsync() >= count);
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Set<OutboxMessage>().AllAsync(m => m.PublishedAt != null, Ct)));
        var messages = await probe.DrainAsync();
        Assert.All(messages, m => Assert.Equal("notifications.delivery.requested", m.GetProperty("type").GetString()));
        return [.. messages.Select(m => m.GetProperty("notification_id").GetGuid())];
    }
}
