using Campus.Analytics.Data;
using Campus.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Campus.Analytics.Facts;

/// <summary>
/// Chat messages per user and day (<c>activity_daily.messages</c>), and <c>notification_deliveries</c>. A posted
/// message counts once (its event id goes to <c>processed_events</c> in the same transaction); chat's snapshot sets the
/// day's count. A delivery is one row per notification: the newest outcome wins, so a redelivery changes nothing.
/// </summary>
public sealed class ActivityFacts(AnalyticsDbContext db, TimeProvider time) :
    IIntegrationEventHandler<ChatMessagePosted>, IIntegrationEventHandler<ChatActivitySnapshot>,
    IIntegrationEventHandler<DeliveryCompleted>, IIntegrationEventHandler<DeliverySnapshot>
{
    public async Task HandleAsync(ChatMessagePosted evt, MessageContext context, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await Inbox.FirstTimeAsync(db, evt.Id, time, ct))
        {
            return;
        }
        await ActivityCounters.CountAsync(db, evt.AuthorId, evt.OccurredAt.ToUniversalTime(), messages: 1, ct: ct);
        await transaction.CommitAsync(ct);
    }

    public Task HandleAsync(ChatActivitySnapshot evt, MessageContext context, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO activity_daily (user_id, day, sign_ins, materials_done, messages) VALUES ({evt.UserId}, {evt.Day}, 0, 0, {evt.Messages})
            ON CONFLICT (user_id, day) DO UPDATE SET messages = EXCLUDED.messages
            """, ct);

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
