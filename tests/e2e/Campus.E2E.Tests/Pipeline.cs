using Campus.Testing;
using Npgsql;

namespace Campus.E2E.Tests;

/// <summary>
/// The signal a test waits on to show that something did not happen (a second mail): every event that could still
/// cause it has been consumed. A stage is an owner's outbox and a consumer of its events. It has settled when the
/// owner's outbox holds no unpublished row (a published event is in the consumer's queue or further), the consumer's
/// queue and its delay queues hold no message, and the consumer's host is handling none
/// (<c>campus_messaging_messages_in_flight</c>, counted from a delivery's arrival to its ack). Stages are checked in
/// order: a handler writes the next stage's outbox rows in its transaction, before it acks.
/// </summary>
internal static class Pipeline
{
    internal sealed record Stage(string Database, string Host, string Queue);

    /// <summary>Auth's events (registrations, confirmation and reset requests) to the notifications service.</summary>
    public static readonly Stage AuthEvents = new("campus_auth", "notifications", "notifications.auth-events");

    /// <summary>Content's events (courses, enrolments, media) to the notifications service.</summary>
    public static readonly Stage ContentEvents = new("campus_content", "notifications", "notifications.content-events");

    /// <summary>The notifications service's delivery requests to the delivery worker (the mail or message itself).</summary>
    public static readonly Stage Deliveries = new("campus_notifications", "notifications-worker", "notifications.delivery");

    /// <summary>Waits until every stage, in order, has settled (see the class summary).</summary>
    public static async Task SettledAsync(params Stage[] stages)
    {
        foreach (var stage in stages)
        {
            var state = "";
            await Wait.UntilAsync(async () =>
            {
                state = await StateAsync(stage);
                return state.Length == 0;
            }, seconds: 90, because: () => $"{stage.Queue} ({stage.Database} → {stage.Host}) did not settle within 90 s: {state}", intervalMs: 200);
        }
    }

    /// <summary>What the stage is still doing; empty when it has settled.</summary>
    private static async Task<string> StateAsync(Stage stage)
    {
        await using var db = new NpgsqlConnection(TestInfrastructure.PostgresConnectionString(stage.Database));
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL", db);
        var unpublished = (long)(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        if (unpublished > 0)
        {
            return $"{unpublished} unpublished outbox rows";
        }
        // The delay queues exist once a message of the queue has been retried.
        var queues = (await RabbitMqTestScope.QueuesAsync(stage.Queue + ".retry.")).Prepend(stage.Queue).ToArray();
        var waiting = await RabbitMqTestScope.MessageCountAsync(queues);
        if (waiting > 0)
        {
            return $"{waiting} messages waiting in {string.Join(", ", queues)}";
        }
        var handling = await HostMetrics.ValuesAsync(stage.Host, "campus_messaging_messages_in_flight", [$"queue=\"{stage.Queue}\""]);
        Assert.True(handling.Count == 1, $"{stage.Host} has no campus_messaging_messages_in_flight series for {stage.Queue} on /metrics");
        return handling[0] > 0 ? $"{handling[0]} deliveries being handled by {stage.Host}" : "";
    }
}
