using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Notifications.Tests;

internal static class NotificationsTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A client carrying a real access token for <paramref name="userId"/> with <paramref name="roles"/>.</summary>
    public static HttpClient ClientFor(this NotificationsFactory factory, Guid userId, string roles = "student")
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Jwt.CreateToken(userId, roles));
        return client;
    }

    /// <summary>Runs <paramref name="query"/> on a fresh context of the host's database.</summary>
    public static async Task<T> QueryAsync<T>(this NotificationsFactory factory, Func<NotificationsDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<NotificationsDbContext>());
    }

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

    public static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString();

    /// <summary>
    /// A probe standing in for the delivery worker: bound to <c>notifications.delivery.requested</c> on the host's
    /// exchange, so a test sees exactly which delivery messages the service published.
    /// </summary>
    public static Task<BrokerProbe> DeliveryProbeAsync(NotificationsFactory factory) =>
        BrokerProbe.BindAsync(factory.Broker, "notifications.delivery.requested");

    /// <summary>Waits until <paramref name="count"/> messages arrived (and a moment for extra ones), then returns their notification ids.</summary>
    public static async Task<List<Guid>> DeliveriesAsync(BrokerProbe probe, int count)
    {
        await Wait.UntilAsync(async () => await probe.CountAsync() >= count);
        await Task.Delay(300, Ct);
        var messages = await probe.DrainAsync();
        Assert.All(messages, m => Assert.Equal("notifications.delivery.requested", m.GetProperty("type").GetString()));
        return [.. messages.Select(m => m.GetProperty("notification_id").GetGuid())];
    }
}
