using Campus.Messaging.Outbox;
using Campus.Profile.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Profiles;

internal static class ProfileStore
{
    /// <summary>
    /// Creates the empty profile of <paramref name="userId"/> unless it exists. Set-based with ON CONFLICT so the
    /// event handler and a lazy first read may race without either failing. The one that creates it also writes
    /// <see cref="ProfileUpdated"/> (no changed fields) in the same transaction, so consumers learn every user.
    /// </summary>
    public static async Task EnsureAsync(ProfileDbContext db, Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var created = await db.Database.ExecuteSqlAsync(
            $"INSERT INTO profiles (user_id, created_at, updated_at) VALUES ({userId}, {now}, {now}) ON CONFLICT (user_id) DO NOTHING",
            ct);
        if (created == 1)
        {
            // Created by the user's registration (or their first request): the user is the author.
            db.AddOutboxMessage(new ProfileUpdated(userId, [], userId, Department: null, TimeZone: null));
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>The profile of <paramref name="userId"/>, created empty first if the registration event has not arrived yet.</summary>
    public static async Task<UserProfile> GetOrCreateAsync(ProfileDbContext db, Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.Profiles.FirstOrDefaultAsync(p => p.UserId == userId, ct) is { } profile)
        {
            return profile;
        }
        await EnsureAsync(db, userId, now, ct);
        return await db.Profiles.FirstAsync(p => p.UserId == userId, ct);
    }
}
