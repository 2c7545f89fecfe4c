using System.Linq.Expressions;
using Campus.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Deliveries;

/// <summary>
/// The delivery log as admins read it: notifications newest first, filtered, one page at a time, without their body
/// or payload (<see cref="DeliveryResponse"/>).
/// </summary>
public sealed class DeliveryLog(NotificationsDbContext db)
{
    /// <summary>A page of the log (the caller checked the paging); a null filter matches every notification.</summary>
    /// <param name="userId">Only this user's notifications.</param>
    /// <param name="typeKey">Only notifications of this type.</param>
    /// <param name="status">Only notifications in this status.</param>
    /// <param name="channel">Only notifications sent over this channel.</param>
    /// <param name="limit">The page size.</param>
    /// <param name="offset">The notifications skipped.</param>
    /// <param name="ct">Cancels the work.</param>
    public Task<DeliveryPage> ListAsync(
        Guid? userId, string? typeKey, NotificationStatus? status, string? channel, int limit, int offset, CancellationToken ct) =>
        PageAsync(db.Notifications.AsNoTracking()
            .Where(n => (userId == null || n.UserId == userId) && (typeKey == null || n.TypeKey == typeKey)
                && (status == null || n.Status == status) && (channel == null || n.Channel == channel)), limit, offset, ct);

    /// <summary>A page of the dead letters: notifications that failed for good (the caller checked the paging).</summary>
    public Task<DeliveryPage> ListFailedAsync(int limit, int offset, CancellationToken ct) =>
        PageAsync(db.Notifications.AsNoTracking().Where(n => n.Status == NotificationStatus.Failed), limit, offset, ct);

    /// <summary>A notification as the log shows it.</summary>
    internal static readonly Expression<Func<Notification, DeliveryResponse>> Projection = n => new DeliveryResponse(
        n.Id, n.UserId, n.TypeKey, n.Channel, n.Recipient, n.Subject, n.Status, n.Attempts, n.LastError, n.NextAttemptAt, n.SentAt, n.CreatedAt);

    private static async Task<DeliveryPage> PageAsync(IQueryable<Notification> query, int limit, int offset, CancellationToken ct) => new(
        await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Skip(offset).Take(limit).Select(Projection).ToListAsync(ct),
        await query.CountAsync(ct), limit, offset);
}
