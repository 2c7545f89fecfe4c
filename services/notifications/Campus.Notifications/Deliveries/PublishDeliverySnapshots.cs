using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Deliveries;

/// <summary>
/// On <c>analytics.rebuild.requested</c>: re-publishes every finished delivery (sent or failed) as
/// <c>notifications.delivery.snapshot</c> through the outbox, in batches by notification id (keyset); its occurred_at is
/// when the delivery ended (sent) or was created (failed: the row keeps no failure time).
/// </summary>
public sealed class PublishDeliverySnapshots(NotificationsDbContext db) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "notifications.analytics-rebuild";

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        await db.PublishSnapshotAsync<DeliverySnapshot, Guid>(
            async (after, size, ct) => (await db.Notifications.AsNoTracking()
                    .Where(n => (n.Status == NotificationStatus.Sent || n.Status == NotificationStatus.Failed) && n.Id.CompareTo(after) > 0)
                    .OrderBy(n => n.Id).Take(size)
                    .Select(n => new { n.Id, n.UserId, n.TypeKey, n.Channel, n.Status, n.Attempts, n.SentAt, n.CreatedAt })
                    .ToListAsync(ct))
                .Select(n => new DeliverySnapshot(n.Id, n.UserId, n.TypeKey, n.Channel, n.Status == NotificationStatus.Sent ? "sent" : "failed", n.Attempts)
                {
                    OccurredAt = n.SentAt ?? n.CreatedAt,
                })
                .ToList(),
            s => s.NotificationId, s => [s], cancellationToken);
    }
}
