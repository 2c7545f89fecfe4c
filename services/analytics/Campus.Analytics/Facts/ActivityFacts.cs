using Campus.Analytics.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// Chat messages per user and day (<c>activity_daily.messages</c>), and <c>notification_deliveries</c>. Chat announces
/// running totals that never shrink, so the larger of the stored and the announced total wins: a repeated, late or
/// re-ordered event changes nothing. A delivery is one row per notification: the newest outcome wins, so a redelivery
/// changes nothing.
/// </summary>
public sealed class ActivityFacts(AnalyticsDbContext db) :
    IIntegrationEventHandler<ChatActivityCounted>, IIntegrationEventHandler<DeliveryCompleted>, IIntegrationEventHandler<DeliverySnapshot>
{
    public Task HandleAsync(ChatActivityCounted evt, MessageContext context, CancellationToken ct)
    {
        var users = evt.Counts.Select(c => c.UserId).ToArray();
        var days = evt.Counts.Select(c => c.Day).ToArray();
        var messages = evt.Counts.Select(c => c.Messages).ToArray();
        // One statement for the whole batch, in key order (two consumers never wait on each other's rows in a cycle).
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO activity_daily (user_id, day, sign_ins, materials_done, messages)
            SELECT user_id, day, 0, 0, max(messages) FROM unnest({users}, {days}, {messages}) AS t(user_id, day, messages)
            GROUP BY user_id, day ORDER BY user_id, day
            ON CONFLICT (user_id, day) DO UPDATE SET messages = GREATEST(activity_daily.messages, EXCLUDED.messages)
            """, ct);
    }

    public Task HandleAsync(DeliveryCompleted evt, MessageContext context, CancellationToken ct) =>
        UpsertDeliveryAsync(evt.NotificationId, evt.UserId, evt.NotificationType, evt.Channel, evt.State, evt.Attempts, evt.OccurredAt, ct);

    public Task HandleAsync(DeliverySnapshot evt, MessageContext context, CancellationToken ct) =>
        UpsertDeliveryAsync(evt.NotificationId, evt.UserId, evt.NotificationType, evt.Channel, evt.State, evt.Attempts, evt.OccurredAt, ct);

    private Task UpsertDeliveryAsync(Guid id, Guid user, string type, string channel, string state, int attempts, DateTimeOffset at, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO notification_deliveries (notification_id, user_id, type, channel, state, attempts, occurred_at)
            VALUES ({id}, {user}, {type}, {channel}, {state}, {attempts}, {at.ToUniversalTime()})
            ON CONFLICT (notification_id) DO UPDATE SET
                user_id = EXCLUDED.user_id, type = EXCLUDED.type, channel = EXCLUDED.channel, state = EXCLUDED.state,
                attempts = EXCLUDED.attempts, occurred_at = EXCLUDED.occurred_at
            WHERE notification_deliveries.occurred_at <= EXCLUDED.occurred_at
            """, ct);
}
