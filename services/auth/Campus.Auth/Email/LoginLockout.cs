using Campus.Auth.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Email;

/// <summary>
/// Locks e-mail sign-in for an address after <see cref="MaxFailures"/> failures within <see cref="Window"/>. The count
/// is a sliding window over <see cref="LoginFailure"/> rows: the lock ends when the oldest of the last ten failures
/// leaves the window, so at most ten guesses per address fit in any 15 minutes, on any number of replicas.
/// </summary>
/// <remarks>
/// An attempt is written as a failure <em>before</em> the password is checked (under a per-address lock) and removed
/// when it succeeds. So concurrent guesses (one replica or several) each see the others, and no more than ten are ever
/// verified; counting after the check would let a burst of parallel requests through while the count still reads nine.
/// </remarks>
public sealed class LoginLockout(AuthDbContext db, TimeProvider time)
{
    public const int MaxFailures = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>How long the address is still locked, or null when it is not.</summary>
    public async Task<TimeSpan?> LockedForAsync(string email, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var recent = await db.Set<LoginFailure>()
            .Where(f => f.Email == email && f.FailedAt > now - Window)
            .OrderByDescending(f => f.FailedAt)
            .Select(f => f.FailedAt)
            .Take(MaxFailures)
            .ToListAsync(ct);
        if (recent.Count < MaxFailures)
        {
            return null;
        }
        // The count drops below the limit when the 10th most recent failure leaves the window.
        var until = recent[MaxFailures - 1] + Window;
        return until > now ? until - now : null;
    }

    /// <summary>
    /// Counts an attempt as a failure until <see cref="ResetAsync"/> says otherwise. Call after
    /// <see cref="LockedForAsync"/> found no lock, before checking the password.
    /// </summary>
    public async Task<LoginAttempt> BeginAttemptAsync(string email, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // One attempt per address at a time, on every replica: a transaction-scoped advisory lock on the address makes
        // count-then-insert atomic, so a burst of parallel guesses is decided exactly as if they came one by one.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({email}, 0))", ct);
        // Rows older than the window count for nothing; the index on failed_at keeps this purge cheap.
        await db.Set<LoginFailure>().Where(f => f.FailedAt <= now - Window).ExecuteDeleteAsync(ct);

        var count = await db.Set<LoginFailure>().CountAsync(f => f.Email == email && f.FailedAt > now - Window, ct);
        if (count >= MaxFailures)
        {
            // Concurrent attempts took the last allowed guess: this one is not checked and does not count.
            return new LoginAttempt(Allowed: false, LocksOnFailure: true);
        }
        db.Set<LoginFailure>().Add(new LoginFailure { Email = email, FailedAt = now });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new LoginAttempt(Allowed: true, LocksOnFailure: count + 1 == MaxFailures);
    }

    /// <summary>Forgets the failures of an address: after a successful sign-in or a password reset.</summary>
    public Task ResetAsync(string email, CancellationToken ct) =>
        db.Set<LoginFailure>().Where(f => f.Email == email).ExecuteDeleteAsync(ct);
}

/// <summary>An attempt that may check the password (<see cref="Allowed"/>), and whether failing it locks the address.</summary>
public readonly record struct LoginAttempt(bool Allowed, bool LocksOnFailure);
