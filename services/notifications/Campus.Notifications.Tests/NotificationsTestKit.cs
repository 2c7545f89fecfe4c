using System.Text.Json;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Notifications.Tests;

internal static class NotificationsTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Publishes <paramref name="evt"/> (snake_case JSON, as Campus.Messaging writes it) to the host's exchange.</summary>
    public static Task PublishAsync(this NotificationsFactory factory, string routingKey, object evt) =>
        RabbitMqTestScope.PublishRawAsync(factory.Broker.Exchange, routingKey, JsonSerializer.Serialize(evt));

    /// <summary>Every queue the service consumes (its subscriptions in Extensions.cs).</summary>
    private static readonly string[] ConsumedQueues =
        ["notifications.auth-events", "notifications.content-events", "notifications.analytics-events", "notifications.analytics-rebuild"];

    /// <summary>Starts the host and waits until its consumers have declared their queues (events published earlier are not routed).</summary>
    public static async Task StartAsync(this NotificationsFactory factory)
    {
        using var client = factory.CreateClient();
        await RabbitMqTestScope.WaitForQueuesAsync([.. ConsumedQueues.Select(queue => factory.Broker.QueuePrefix + queue)]);
    }

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
