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
    public sealed record Locked(TimeSpan RetryAfter) : PhoneResult;
    public sealed record InvalidCode(int AttemptsLeft) : PhoneResult;
    public sealed record ExpiredCode : PhoneResult;
    public sealed record Blocked : PhoneResult;
    public sealed record SmsFailed : PhoneResult;
    public sealed record SignedIn(TokenResponse Tokens) : PhoneResult;
}

/// <summary>
/// Phone sign-in: codes, limits and locks. Every counter is a PostgreSQL row with timestamps, updated atomically
/// (conditional upserts, an advisory lock per client IP), so the limits hold across replicas, and time comes from
/// <see cref="TimeProvider"/> so tests can move it.
/// </summary>
public sealed class PhoneSignIn(
    AuthDbContext db,
    ISmsSender sms,
    TokenIssuer issuer,
    IOptions<OtpOptions> otpOptions,
    TimeProvider time,
    AuthMetrics metrics,
    ILogger<PhoneSignIn> logger)
{
    private OtpOptions Options => otpOptions.Value;

    public async Task<PhoneResult> SendCodeAsync(string phone, string clientIp, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await LockedUntilAsync(phone, now, ct) is { } lockedUntil)
        {
            return new PhoneResult.Locked(lockedUntil - now);
        }

        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var salt = RandomNumberGenerator.GetBytes(16);
        var codeId = Guid.CreateVersion7();
        var expiresAt = now + Options.CodeLifetime;
        var resendFrom = now - Options.ResendInterval;
        var hourAgo = now - TimeSpan.FromHours(1);

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Serializes the requests of one IP across replicas, so the count and the insert below cannot interleave.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({clientIp}, 7))", ct);
            // Rows older than the window count for nothing any more: pruned here, per IP, under the same lock.
            await db.OtpRequests.Where(r => r.ClientIp == clientIp && r.RequestedAt <= hourAgo).ExecuteDeleteAsync(ct);
            var recent = await db.OtpRequests.Where(r => r.ClientIp == clientIp && r.RequestedAt > hourAgo)
                .OrderBy(r => r.RequestedAt).Select(r => r.RequestedAt).ToListAsync(ct);
            if (recent.Count >= Options.MaxSendsPerIpPerHour)
            {
                return new PhoneResult.RateLimited(recent[^Options.MaxSendsPerIpPerHour] + TimeSpan.FromHours(1) - now);
            }

            // One code per phone: replaces (and so invalidates) the previous code, unless that was sent too recently.
            var stored = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO sms_codes (phone, code_id, code_hash, salt, sent_at, expires_at, spent_at)
                VALUES ({phone}, {codeId}, {Hash(salt, phone, code)}, {salt}, {now}, {expiresAt}, NULL)
                ON CONFLICT (phone) DO UPDATE SET code_id = excluded.code_id, code_hash = excluded.code_hash,
                    salt = excluded.salt, sent_at = excluded.sent_at, expires_at = excluded.expires_at, spent_at = NULL
                WHERE sms_codes.sent_at <= {resendFrom}
                """, ct);
            if (stored == 0)
            {
                var sentAt = await db.PhoneCodes.Where(c => c.Phone == phone).Select(c => c.SentAt).FirstAsync(ct);
                return new PhoneResult.RateLimited(sentAt + Options.ResendInterval - now);
            }
            db.OtpRequests.Add(new OtpRequest { ClientIp = clientIp, RequestedAt = now });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
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

    public async Task<PhoneResult> VerifyAsync(string phone, string code, bool rememberMe, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await LockedUntilAsync(phone, now, ct) is { } lockedUntil)
        {
            metrics.CodeFailed("locked");
            return new PhoneResult.Locked(lockedUntil - now);
        }

        var stored = await db.PhoneCodes.AsNoTracking().FirstOrDefaultAsync(c => c.Phone == phone && c.SpentAt == null, ct);
        if (stored is not null && stored.ExpiresAt <= now)
        {
            metrics.CodeFailed("expired");
            return new PhoneResult.ExpiredCode();
        }
        if (stored is null || !CryptographicOperations.FixedTimeEquals(stored.CodeHash, Hash(stored.Salt, phone, code)))
        {
            metrics.CodeFailed("invalid");
            return await CountFailureAsync(phone, now, ct);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Spends exactly the code that was checked; a concurrent verification of the same code matches nothing.
        var spent = await db.PhoneCodes.Where(c => c.Phone == phone && c.CodeId == stored.CodeId && c.SpentAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.SpentAt, now), ct);
        if (spent == 0)
        {
            return new PhoneResult.InvalidCode(await AttemptsLeftAsync(phone, now, ct));
        }
        await db.PhoneLocks.Where(l => l.Phone == phone).ExecuteDeleteAsync(ct);

        var user = await db.Users.FirstOrDefaultAsync(u => u.Phone == phone, ct);
        if (user is null)
        {
            user = new User { Phone = phone, CreatedAt = now, UpdatedAt = now };
            db.Users.Add(user);
            db.AddOutboxMessage(new UserRegistered(user.Id, user.Phone, user.Email, user.Roles));
        }
        else if (user.Status == UserStatus.Blocked)
        {
            await transaction.CommitAsync(ct);
            return new PhoneResult.Blocked();
        }

        var tokens = await issuer.IssueAsync(user, rememberMe, "phone", ct);
        await transaction.CommitAsync(ct);
        metrics.CodeVerified();
        return new PhoneResult.SignedIn(tokens);
    }

    private async Task<DateTimeOffset?> LockedUntilAsync(string phone, DateTimeOffset now, CancellationToken ct)
    {
        var until = await db.PhoneLocks.Where(l => l.Phone == phone).Select(l => l.LockedUntil).FirstOrDefaultAsync(ct);
        return until > now ? until : null;
    }

    // Counts a wrong code in the phone's window; the MaxFailedAttempts-th locks the phone and withdraws its code.
    private async Task<PhoneResult> CountFailureAsync(string phone, DateTimeOffset now, CancellationToken ct)
    {
        var windowStart = now - Options.LockDuration;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO phone_locks (phone, failed_attempts, first_failed_at, locked_until) VALUES ({phone}, 1, {now}, NULL)
            ON CONFLICT (phone) DO UPDATE SET
                failed_attempts = CASE WHEN phone_locks.first_failed_at <= {windowStart} THEN 1 ELSE phone_locks.failed_attempts + 1 END,
                first_failed_at = CASE WHEN phone_locks.first_failed_at <= {windowStart} THEN {now} ELSE phone_locks.first_failed_at END
            """, ct);
        var failures = await db.PhoneLocks.Where(l => l.Phone == phone).Select(l => l.FailedAttempts).FirstAsync(ct);
        if (failures < Options.MaxFailedAttempts)
        {
            await transaction.CommitAsync(ct);
            return new PhoneResult.InvalidCode(Options.MaxFailedAttempts - failures);
        }

        var lockedUntil = now + Options.LockDuration;
        await db.PhoneLocks.Where(l => l.Phone == phone).ExecuteUpdateAsync(set => set
            .SetProperty(l => l.LockedUntil, lockedUntil)
            .SetProperty(l => l.FailedAttempts, 0)
            .SetProperty(l => l.FirstFailedAt, now), ct);
        await db.PhoneCodes.Where(c => c.Phone == phone).ExecuteUpdateAsync(set => set.SetProperty(c => c.SpentAt, now), ct);
        await transaction.CommitAsync(ct);
        metrics.Locked("phone");
        logger.LogWarning("A phone was locked after {Failures} wrong codes", failures);
        return new PhoneResult.Locked(Options.LockDuration);
    }

    private async Task<int> AttemptsLeftAsync(string phone, DateTimeOffset now, CancellationToken ct)
    {
        var windowStart = now - Options.LockDuration;
        var failures = await db.PhoneLocks.Where(l => l.Phone == phone && l.FirstFailedAt > windowStart)
            .Select(l => l.FailedAttempts).FirstOrDefaultAsync(ct);
        return Math.Max(0, Options.MaxFailedAttempts - failures);
    }

    // HMAC keyed by a per-code random salt, bound to the phone. REVIEW: a 6-digit code is guessable offline from a
    // database copy; codes live 5 minutes and are spent on use, so a server-side pepper was not worth a new secret yet.
    private static byte[] Hash(byte[] salt, string phone, string code) =>
        HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(phone + ":" + code));
}
