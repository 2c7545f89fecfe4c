using System.Security.Cryptography;
using System.Text;
using Campus.Auth.Data;
using Campus.Auth.Sms;
using Campus.Auth.Tokens;
using Campus.Auth.Users;
using Campus.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Phone;

/// <summary>What a phone sign-in step came to; the API maps it to a status and a problem code.</summary>
public abstract record PhoneResult
{
    public sealed record CodeSent(TimeSpan ExpiresIn, TimeSpan ResendAfter) : PhoneResult;
    public sealed record RateLimited(TimeSpan RetryAfter) : PhoneResult;
    /// <summary>This source may not enter codes for this phone for a while (too many wrong codes from it).</summary>
    public sealed record Locked(TimeSpan RetryAfter) : PhoneResult;
    /// <summary>The phone's code is accepted only from the source that asked for it (too many wrong codes from anywhere).</summary>
    public sealed record Guarded(TimeSpan RetryAfter) : PhoneResult;
    /// <summary>The source is on the temporary block list (too many wrong codes from it, for any phones).</summary>
    public sealed record SourceBlocked(TimeSpan RetryAfter) : PhoneResult;
    /// <summary>The service's hourly SMS budget is spent.</summary>
    public sealed record SmsBudgetExhausted(TimeSpan RetryAfter) : PhoneResult;
    public sealed record InvalidCode(int AttemptsLeft) : PhoneResult;
    public sealed record ExpiredCode : PhoneResult;
    public sealed record Blocked : PhoneResult;
    public sealed record SmsFailed : PhoneResult;
    public sealed record SignedIn(TokenResponse Tokens) : PhoneResult;
}

/// <summary>
/// Phone sign-in: codes, limits, locks and the source block list. Phones are E.164 (<see cref="PhoneNumberRules"/>),
/// sources are client IPs. Every counter is a PostgreSQL row with timestamps, changed under transaction-scoped advisory
/// locks (per source, then per phone), so the limits hold exactly across replicas, and time comes from
/// <see cref="TimeProvider"/> so tests can move it.
/// </summary>
/// <remarks>
/// Wrong codes are counted three ways, and none of them can lock the owner out: per (phone, source), which locks only
/// that pair; per source over all phones, which puts the source on the block list with exponential backoff; and per
/// phone over all sources, which guards the phone: every source then has its own code, accepted only from that source
/// and spent by one wrong guess, and no other source's request replaces it or delays a new one, so a guesser spread
/// over many addresses is stopped while the owner, who asks for their own code, still signs in.
/// </remarks>
public sealed class PhoneSignIn(
    AuthDbContext db,
    ISmsSender sms,
    TokenIssuer issuer,
    IOptions<OtpOptions> otpOptions,
    TimeProvider time,
    AuthMetrics metrics,
    ILogger<PhoneSignIn> logger)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private OtpOptions Options => otpOptions.Value;

    /// <summary>Sends a code to <paramref name="phone"/> (E.164, a Russian mobile number: the caller checked it) for <paramref name="clientIp"/>.</summary>
    public async Task<PhoneResult> SendCodeAsync(string phone, string clientIp, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var salt = RandomNumberGenerator.GetBytes(16);
        var codeId = Guid.CreateVersion7();
        var expiresAt = now + Options.CodeLifetime;
        var resendFrom = now - Options.ResendInterval;
        var hourAgo = now - Hour;
        var budgetWindow = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero);
        var firstOfTheHour = false;

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Serializes the requests of one source across replicas, so the count and the insert below cannot interleave.
            await LockSourceAsync(clientIp, ct);
            if (await BlockedUntilAsync(clientIp, now, ct) is { } blockedUntil)
            {
                metrics.CodeRefused("source_blocked");
                return new PhoneResult.SourceBlocked(blockedUntil - now);
            }
            if (await PairLockedUntilAsync(phone, clientIp, now, ct) is { } lockedUntil)
            {
                return new PhoneResult.Locked(lockedUntil - now);
            }

            // Rows older than the window count for nothing any more: pruned here, per IP, under the same lock.
            await db.OtpRequests.Where(r => r.ClientIp == clientIp && r.RequestedAt <= hourAgo).ExecuteDeleteAsync(ct);
            var recent = await db.OtpRequests.Where(r => r.ClientIp == clientIp && r.RequestedAt > hourAgo)
                .OrderBy(r => r.RequestedAt).Select(r => r.RequestedAt).ToListAsync(ct);
            if (recent.Count >= Options.MaxSendsPerIpPerHour)
            {
                return new PhoneResult.RateLimited(recent[^Options.MaxSendsPerIpPerHour] + Hour - now);
            }

            // The phone next, as verification takes it (source, then phone): a send never replaces a code between a
            // verification's read and its save, so a verification spends and counts against exactly the code it read.
            await LockPhoneAsync(phone, ct);
            var guarded = await GuardedUntilAsync(phone, now, ct) is not null;
            // Outside a guard a phone has one code, at most one per resend interval from anywhere, and a new one replaces
            // the others. Under a guard every source has its own code and interval: no request from elsewhere can take
            // the owner's code away or make the owner wait.
            var lastSent = await db.PhoneCodes.Where(c => c.Phone == phone && (!guarded || c.RequestedBy == clientIp))
                .MaxAsync(c => (DateTimeOffset?)c.SentAt, ct);
            if (lastSent > resendFrom)
            {
                return new PhoneResult.RateLimited(lastSent.Value + Options.ResendInterval - now);
            }
            if (!guarded)
            {
                await db.PhoneCodes.Where(c => c.Phone == phone && c.RequestedBy != clientIp).ExecuteDeleteAsync(ct);
            }
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO sms_codes (phone, requested_by, code_id, code_hash, salt, sent_at, expires_at, spent_at)
                VALUES ({phone}, {clientIp}, {codeId}, {Hash(salt, phone, code)}, {salt}, {now}, {expiresAt}, NULL)
                ON CONFLICT (phone, requested_by) DO UPDATE SET code_id = excluded.code_id, code_hash = excluded.code_hash,
                    salt = excluded.salt, sent_at = excluded.sent_at, expires_at = excluded.expires_at, spent_at = NULL
                """, ct);

            // The global SMS budget: one row per clock hour, incremented only while under the budget, atomically.
            var sent = await db.Database.SqlQuery<int>($"""
                INSERT INTO sms_budget (window_start, sent, refused) VALUES ({budgetWindow}, 1, 0)
                ON CONFLICT (window_start) DO UPDATE SET sent = sms_budget.sent + 1 WHERE sms_budget.sent < {Options.MaxSmsPerHour}
                RETURNING sent AS "Value"
                """).ToListAsync(ct);
            if (sent.Count == 0)
            {
                // Rolls back the code written above; the refusal is counted outside this transaction.
                await transaction.RollbackAsync(ct);
                return await RefuseOverBudgetAsync(budgetWindow, now, ct);
            }
            db.OtpRequests.Add(new OtpRequest { ClientIp = clientIp, RequestedAt = now });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            firstOfTheHour = sent[0] == 1;
        }
        if (firstOfTheHour)
        {
            // The first SMS of an hour prunes what no rule reads any more (once an hour, on one replica), after the
            // commit: holding the code's row lock while deleting rows a verification may hold could deadlock.
            await PruneAsync(now, CancellationToken.None);
        }

        try
        {
            await sms.SendAsync(phone, $"Campus: код для входа {code}. Никому его не сообщайте.", ct);
        }
        catch (SmsDeliveryException e)
        {
            // Withdraw the code so the user may ask again at once instead of waiting for a code that never came.
            await db.PhoneCodes.Where(c => c.Phone == phone && c.CodeId == codeId).ExecuteDeleteAsync(CancellationToken.None);
            logger.LogError(e, "Sending a sign-in code failed");
            return new PhoneResult.SmsFailed();
        }
        metrics.CodeSent();
        return new PhoneResult.CodeSent(Options.CodeLifetime, Options.ResendInterval);
    }

    /// <summary>Checks <paramref name="code"/> for <paramref name="phone"/> (E.164) entered from <paramref name="clientIp"/>.</summary>
    public async Task<PhoneResult> VerifyAsync(string phone, string code, string clientIp, bool rememberMe, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Source first, then phone, on every path: one verification per source and per phone at a time, on every
        // replica, so a burst of parallel guesses is decided exactly as if the guesses came one by one.
        await LockSourceAsync(clientIp, ct);
        await LockPhoneAsync(phone, ct);

        var source = await db.Set<OtpSource>().FindAsync([clientIp], ct);
        if (source?.BlockedUntil > now)
        {
            metrics.CodeFailed("source_blocked");
            return new PhoneResult.SourceBlocked(source.BlockedUntil.Value - now);
        }
        var pair = await db.Set<PhoneSourceLock>().FindAsync([phone, clientIp], ct);
        if (pair?.LockedUntil > now)
        {
            // Hammering a locked pair still spends the source's budget, so it ends on the block list.
            metrics.CodeFailed("locked");
            var blockedFor = CountSourceFailure(ref source, clientIp, now);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return blockedFor is { } blocked ? new PhoneResult.SourceBlocked(blocked) : new PhoneResult.Locked(pair.LockedUntil.Value - now);
        }

        var guard = await db.Set<PhoneGuard>().FindAsync([phone], ct);
        var guarded = guard?.GuardedUntil > now;
        // Under a guard only the code this source asked for is checked; outside one the phone's newest code.
        var stored = await db.PhoneCodes.Where(c => c.Phone == phone && c.SpentAt == null && (!guarded || c.RequestedBy == clientIp))
            .OrderByDescending(c => c.SentAt).FirstOrDefaultAsync(ct);
        if (guarded && stored is null)
        {
            // Not checked at all: this source asked for no code, and only the source that asked for one may enter it now.
            metrics.CodeFailed("guarded");
            var blockedFor = CountSourceFailure(ref source, clientIp, now);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return blockedFor is { } blocked ? new PhoneResult.SourceBlocked(blocked) : new PhoneResult.Guarded(guard!.GuardedUntil!.Value - now);
        }
        if (stored is not null && stored.ExpiresAt <= now)
        {
            metrics.CodeFailed("expired");
            return new PhoneResult.ExpiredCode();
        }

        if (stored is null || !CryptographicOperations.FixedTimeEquals(stored.CodeHash, Hash(stored.Salt, phone, code)))
        {
            metrics.CodeFailed("invalid");
            var result = CountFailure(phone, clientIp, now, ref pair, ref guard, ref source);
            if (stored is not null && guarded)
            {
                // A guarded phone's code survives no wrong guess from the source that asked for it (others never get
                // here): it asks again. The failure that starts the guard comes from anywhere and spends nothing, so it
                // cannot take the owner's code away.
                stored.SpentAt = now;
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return result;
        }

        stored.SpentAt = now;
        if (pair is not null)
        {
            db.Remove(pair);
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Phone == phone, ct);
        if (user is null)
        {
            user = new User { Phone = phone, CreatedAt = now, UpdatedAt = now };
            db.Users.Add(user);
            db.AddOutboxMessage(new UserRegistered(user.Id, user.Phone, user.Email, user.Roles));
        }
        else if (user.Status == UserStatus.Blocked)
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return new PhoneResult.Blocked();
        }

        var tokens = await issuer.IssueAsync(user, rememberMe, "phone", ct);
        await transaction.CommitAsync(ct);
        metrics.CodeVerified();
        return new PhoneResult.SignedIn(tokens);
    }

    // A wrong code: counted for the pair (may lock it), the phone (may guard it) and the source (may block it).
    private PhoneResult CountFailure(string phone, string clientIp, DateTimeOffset now,
        ref PhoneSourceLock? pair, ref PhoneGuard? guard, ref OtpSource? source)
    {
        var windowStart = now - Options.LockDuration;
        if (pair is null)
        {
            pair = new PhoneSourceLock { Phone = phone, ClientIp = clientIp, FirstFailedAt = now };
            db.Add(pair);
        }
        else if (pair.FirstFailedAt <= windowStart)
        {
            (pair.FailedAttempts, pair.FirstFailedAt) = (0, now);
        }
        pair.FailedAttempts++;
        var pairFailures = pair.FailedAttempts;
        if (pairFailures >= Options.MaxFailedAttempts)
        {
            (pair.LockedUntil, pair.FailedAttempts, pair.FirstFailedAt) = (now + Options.LockDuration, 0, now);
            metrics.Locked("phone_source");
            logger.LogWarning("A phone was locked for one source after {Failures} wrong codes", pairFailures);
        }

        if (guard is null)
        {
            guard = new PhoneGuard { Phone = phone, FirstFailedAt = now };
            db.Add(guard);
        }
        else if (guard.FirstFailedAt <= windowStart)
        {
            (guard.FailedAttempts, guard.FirstFailedAt) = (0, now);
        }
        guard.FailedAttempts++;
        if (guard.FailedAttempts >= Options.MaxFailuresPerPhone && !(guard.GuardedUntil > now))
        {
            guard.GuardedUntil = now + Options.LockDuration;
            metrics.Locked("phone_guard");
            logger.LogWarning("A phone is guarded after {Failures} wrong codes from several sources", guard.FailedAttempts);
        }

        if (CountSourceFailure(ref source, clientIp, now) is { } blockedFor)
        {
            return new PhoneResult.SourceBlocked(blockedFor);
        }
        return pair.LockedUntil > now
            ? new PhoneResult.Locked(pair.LockedUntil.Value - now)
            : new PhoneResult.InvalidCode(Options.MaxFailedAttempts - pairFailures);
    }

    // Counts a failed verification of the source; returns how long it is now blocked when this failure blocked it.
    private TimeSpan? CountSourceFailure(ref OtpSource? source, string clientIp, DateTimeOffset now)
    {
        if (source is null)
        {
            source = new OtpSource { ClientIp = clientIp, FirstFailedAt = now };
            db.Add(source);
        }
        else if (source.FirstFailedAt <= now - Hour)
        {
            (source.FailedAttempts, source.FirstFailedAt) = (0, now);
        }
        source.FailedAttempts++;
        if (source.FailedAttempts < Options.MaxFailuresPerSourcePerHour)
        {
            return null;
        }

        // Exponential backoff: each block lasts twice the previous one, up to the maximum; a source that stayed
        // unblocked for BlockMemory starts over.
        if (source.BlockedUntil is { } lastBlockEnd && lastBlockEnd <= now - Options.BlockMemory)
        {
            source.Blocks = 0;
        }
        var duration = TimeSpan.FromTicks((long)Math.Min(
            Options.BlockDuration.Ticks * Math.Pow(2, Math.Min(source.Blocks, 30)), Options.MaxBlockDuration.Ticks));
        source.Blocks++;
        source.BlockedUntil = now + duration;
        (source.FailedAttempts, source.FirstFailedAt) = (0, now);
        metrics.Locked("source");
        logger.LogWarning("A source was blocked for {BlockMinutes} min after {Failures} wrong codes (block {Block})",
            duration.TotalMinutes, Options.MaxFailuresPerSourcePerHour, source.Blocks);
        return duration;
    }

    private async Task<PhoneResult> RefuseOverBudgetAsync(DateTimeOffset window, DateTimeOffset now, CancellationToken ct)
    {
        var refused = await db.Database.SqlQuery<int>($"""
            UPDATE sms_budget SET refused = refused + 1 WHERE window_start = {window} RETURNING refused AS "Value"
            """).ToListAsync(ct);
        metrics.CodeRefused("sms_budget_exhausted");
        metrics.SmsBudgetExhausted();
        if (refused is [1])
        {
            // Once per hour for the whole service (the first refusal), so the alert is one line, not a flood.
            logger.LogWarning("The SMS budget of {Budget} per hour is spent; sign-in codes are refused until {WindowEnd:u}",
                Options.MaxSmsPerHour, window + Hour);
        }
        return new PhoneResult.SmsBudgetExhausted(window + Hour - now);
    }

    private async Task PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        var windowStart = now - Options.LockDuration;
        // Codes a guard left per source, long expired (a phone's next code outside a guard removes the others anyway).
        await db.PhoneCodes.Where(c => c.ExpiresAt <= now - Hour).ExecuteDeleteAsync(ct);
        await db.Set<SmsBudgetWindow>().Where(w => w.WindowStart < now - TimeSpan.FromDays(7)).ExecuteDeleteAsync(ct);
        await db.Set<PhoneSourceLock>().Where(l => l.FirstFailedAt <= windowStart && (l.LockedUntil == null || l.LockedUntil <= now)).ExecuteDeleteAsync(ct);
        await db.Set<PhoneGuard>().Where(g => g.FirstFailedAt <= windowStart && (g.GuardedUntil == null || g.GuardedUntil <= now)).ExecuteDeleteAsync(ct);
        var forgotten = now - Options.BlockMemory;
        await db.Set<OtpSource>()
            .Where(s => s.FirstFailedAt <= now - Hour && (s.BlockedUntil == null || s.BlockedUntil <= forgotten))
            .ExecuteDeleteAsync(ct);
    }

    private Task LockSourceAsync(string clientIp, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({clientIp}, 7))", ct);

    // Taken by send and verify, always after the source lock: one change of a phone's code at a time, on every replica.
    private Task LockPhoneAsync(string phone, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({phone}, 8))", ct);

    private async Task<DateTimeOffset?> GuardedUntilAsync(string phone, DateTimeOffset now, CancellationToken ct)
    {
        var until = await db.Set<PhoneGuard>().Where(g => g.Phone == phone).Select(g => g.GuardedUntil).FirstOrDefaultAsync(ct);
        return until > now ? until : null;
    }

    private async Task<DateTimeOffset?> BlockedUntilAsync(string clientIp, DateTimeOffset now, CancellationToken ct)
    {
        var until = await db.Set<OtpSource>().Where(s => s.ClientIp == clientIp).Select(s => s.BlockedUntil).FirstOrDefaultAsync(ct);
        return until > now ? until : null;
    }

    private async Task<DateTimeOffset?> PairLockedUntilAsync(string phone, string clientIp, DateTimeOffset now, CancellationToken ct)
    {
        var until = await db.Set<PhoneSourceLock>().Where(l => l.Phone == phone && l.ClientIp == clientIp)
            .Select(l => l.LockedUntil).FirstOrDefaultAsync(ct);
        return until > now ? until : null;
    }

    // HMAC keyed by a per-code random salt, bound to the phone. REVIEW: a 6-digit code is guessable offline from a
    // database copy; codes live 5 minutes and are spent on use, so a server-side pepper was not worth a new secret yet.
    private static byte[] Hash(byte[] salt, string phone, string code) =>
        HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(phone + ":" + code));
}
