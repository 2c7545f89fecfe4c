using Campus.Auth.Data;
using Campus.Auth.Tokens;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Campus.Auth.Users;

/// <summary>What an admin's change of a user came to; the API maps it to a status and a problem code.</summary>
public abstract record UserAdministrationResult
{
    /// <summary>The user as they are now (also when the change was already in place).</summary>
    public sealed record Done(UserResponse User) : UserAdministrationResult;
    /// <summary>The roles are empty or name a role that does not exist.</summary>
    public sealed record InvalidRoles : UserAdministrationResult;
    /// <summary>The admin named their own account.</summary>
    public sealed record OwnAccount : UserAdministrationResult;
    /// <summary>The caller is not (or no longer) an active admin.</summary>
    public sealed record NotAdmin : UserAdministrationResult;
    public sealed record NotFound : UserAdministrationResult;
    /// <summary>The change would leave no active admin.</summary>
    public sealed record LastAdmin : UserAdministrationResult;
}

/// <summary>
/// User administration: replacing a user's roles, blocking and unblocking. Every change is announced
/// (<see cref="UserChanged"/>) in its transaction and voids the user's access tokens where it takes rights away. Changes
/// run one at a time under one advisory lock and check the caller is an active admin again inside it, so two admins
/// demoting or blocking each other concurrently cannot both succeed and leave no admin.
/// </summary>
public sealed class UserAdministration(AuthDbContext db, TokenIssuer issuer, TimeProvider time)
{
    /// <summary>The advisory lock key of role and status changes (any constant unique within the auth database).</summary>
    private const long AdminChangesLock = 0x43616d7075735f41; // "Campus_A"

    /// <summary>Whether <paramref name="userId"/> is an active admin now, not only when their token was issued.</summary>
    public async Task<bool> IsActiveAdminAsync(Guid userId, CancellationToken ct)
    {
        var caller = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Status, u.Roles }).FirstOrDefaultAsync(ct);
        return caller is { Status: UserStatus.Active } && caller.Roles.Contains(Roles.Admin);
    }

    /// <summary>Replaces the roles of <paramref name="id"/> with <paramref name="roles"/> (as sent) for the admin <paramref name="callerId"/>.</summary>
    public async Task<UserAdministrationResult> SetRolesAsync(Guid callerId, Guid id, IEnumerable<string> roles, CancellationToken ct)
    {
        var requested = roles.Select(role => role.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (requested.Length == 0 || requested.Any(role => !Roles.All.Contains(role)))
        {
            return new UserAdministrationResult.InvalidRoles();
        }
        return await ChangeAsync(callerId, id, async (user, transaction) =>
        {
            var newRoles = Roles.All.Where(requested.Contains).ToArray();
            if (newRoles.SequenceEqual(user.Roles))
            {
                return new UserAdministrationResult.Done(UserResponse.From(user));
            }
            if (!newRoles.Contains(Roles.Admin) && await IsLastActiveAdminAsync(user, ct))
            {
                return new UserAdministrationResult.LastAdmin();
            }
            user.Roles = newRoles;
            user.UpdatedAt = time.GetUtcNow();
            db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
            await db.SaveChangesAsync(ct);
            // Sessions stay: the user's access tokens are void at once, and the next refresh issues one with the new roles.
            var version = await issuer.RaiseSecurityVersionAsync(id, ct);
            await transaction.CommitAsync(ct);
            await issuer.AnnounceUserRevokedAsync(id, version);
            return new UserAdministrationResult.Done(UserResponse.From(user));
        }, ct);
    }

    /// <summary>Blocks <paramref name="id"/> for the admin <paramref name="callerId"/> and revokes every session of it.</summary>
    public Task<UserAdministrationResult> BlockAsync(Guid callerId, Guid id, CancellationToken ct) =>
        ChangeAsync(callerId, id, async (user, transaction) =>
        {
            if (await IsLastActiveAdminAsync(user, ct))
            {
                return new UserAdministrationResult.LastAdmin();
            }
            var wasBlocked = user.Status == UserStatus.Blocked;
            user.Status = UserStatus.Blocked;
            user.UpdatedAt = time.GetUtcNow();
            if (!wasBlocked)
            {
                db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
            }
            await db.SaveChangesAsync(ct);
            var version = await issuer.RevokeAllSessionsAsync(id, "blocked", ct);
            await transaction.CommitAsync(ct);
            // Also when already blocked: announcing again costs nothing and repairs a revocation Redis missed.
            await issuer.AnnounceUserRevokedAsync(id, version);
            return new UserAdministrationResult.Done(UserResponse.From(user));
        }, ct);

    /// <summary>Lets the blocked user <paramref name="id"/> sign in again, for the admin <paramref name="callerId"/>.</summary>
    public Task<UserAdministrationResult> UnblockAsync(Guid callerId, Guid id, CancellationToken ct) =>
        ChangeAsync(callerId, id, async (user, transaction) =>
        {
            if (user.Status == UserStatus.Blocked)
            {
                // An e-mail-only account that never confirmed goes back to waiting for its confirmation.
                user.Status = user.Email is not null && user.EmailConfirmedAt is null && user.Phone is null
                    ? UserStatus.PendingConfirmation
                    : UserStatus.Active;
                user.UpdatedAt = time.GetUtcNow();
                db.AddOutboxMessage(UserChanged.Of(user, user.UpdatedAt));
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return new UserAdministrationResult.Done(UserResponse.From(user));
        }, ct);

    /// <summary>
    /// What every change of a user starts with: not the caller's own account, then, under the admin-changes lock, the
    /// caller still an active admin and the user found; <paramref name="change"/> runs in that transaction.
    /// </summary>
    private async Task<UserAdministrationResult> ChangeAsync(Guid callerId, Guid id,
        Func<User, IDbContextTransaction, Task<UserAdministrationResult>> change, CancellationToken ct)
    {
        if (callerId == id)
        {
            return new UserAdministrationResult.OwnAccount();
        }
        await using var transaction = await BeginAdminChangeAsync(ct);
        if (!await IsActiveAdminAsync(callerId, ct))
        {
            return new UserAdministrationResult.NotAdmin();
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return new UserAdministrationResult.NotFound();
        }
        return await change(user, transaction);
    }

    /// <summary>Role and status changes run one at a time, on every replica (a transaction-scoped advisory lock).</summary>
    private async Task<IDbContextTransaction> BeginAdminChangeAsync(CancellationToken ct)
    {
        var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdminChangesLock})", ct);
        return transaction;
    }

    private async Task<bool> IsLastActiveAdminAsync(User target, CancellationToken ct) =>
        target.Status == UserStatus.Active && target.Roles.Contains(Roles.Admin)
        && !await db.Users.AnyAsync(u => u.Id != target.Id && u.Status == UserStatus.Active && u.Roles.Contains(Roles.Admin), ct);
}
