using Campus.Messaging;
using Campus.Messaging.Outbox;
using Campus.Profile.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Profiles;

/// <summary>
/// On <c>analytics.rebuild.requested</c>: re-publishes every profile as <c>profile.profile.snapshot</c> through the outbox,
/// in batches by user id (keyset). A redelivered request publishes the same state again.
/// </summary>
public sealed class PublishProfileSnapshots(ProfileDbContext db, TimeProvider time) : IIntegrationEventHandler<RebuildRequested>
{
    public const string Queue = "profile.analytics-rebuild";

    public async Task HandleAsync(RebuildRequested evt, MessageContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.PublishSnapshotAsync<ProfileSnapshot, Guid>(
            async (after, size, ct) => await db.Profiles.AsNoTracking()
                .Where(p => p.UserId.CompareTo(after) > 0)
                .OrderBy(p => p.UserId).Take(size)
                .Select(p => new ProfileSnapshot(p.UserId, p.DisplayName, p.Department, p.TimeZone) { OccurredAt = now })
                .ToListAsync(ct),
            snapshot => snapshot.UserId,
            snapshot => [snapshot],
            cancellationToken);
    }
}
