using Campus.Auth.Data;
using Campus.Messaging;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Users;

/// <summary>
/// On <c>analytics.rebuild.requested</c>: re-publishes every announced user as <c>auth.user.snapshot</c> through the
/// outbox, in batches by user id (keyset). A redelivered request publishes the snapshots again, which consumers apply as
/// the same state.
/// </summary>
public sealed class PublishUserSnapshots(AuthDbContext db, TimeProvider time) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "auth.analytics-rebuild";

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.PublishSnapshotAsync<UserSnapshot, Guid>(
            async (after, size, ct) => await db.Users.AsNoTracking()
                .Where(u => u.Status != UserStatus.PendingConfirmation && u.Id.CompareTo(after) > 0)
                .OrderBy(u => u.Id).Take(size)
                .Select(u => new UserSnapshot(u.Id, u.Phone, u.Email, u.Roles, UserStatusText.Of(u.Status), u.CreatedAt,
                    db.Sessions.Where(s => s.UserId == u.Id).Max(s => (DateTimeOffset?)s.CreatedAt))
                { OccurredAt = now })
                .ToListAsync(ct),
            snapshot => snapshot.UserId,
            snapshot => [snapshot],
            cancellationToken);
    }
}
