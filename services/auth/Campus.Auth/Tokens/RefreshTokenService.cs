using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Campus.Auth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Auth.Tokens;

/// <summary>What presenting a refresh token came to; the API maps it to a status and a problem code.</summary>
public abstract record RefreshResult
{
    public sealed record Rotated(TokenResponse Tokens) : RefreshResult;
    /// <summary>An already-rotated token within the grace window: the session's current pair is returned again.</summary>
    public sealed record GraceReplay(TokenResponse Tokens) : RefreshResult;
    /// <summary>Malformed, unknown, expired, or of a revoked session.</summary>
    public sealed record Invalid : RefreshResult;
    /// <summary>A rotated token presented after the grace window: its whole session is revoked now.</summary>
    public sealed record Reused : RefreshResult;
    public sealed record Blocked : RefreshResult;
}

/// <summary>
/// Rotation with reuse detection. Each use replaces the token; the old row records its successor.
/// Presenting a rotated token within <see cref="AuthOptions.RefreshReuseGrace"/> answers the session's current pair;
/// after that the whole session (token family) is revoked.
/// </summary>
/// <remarks>
/// To answer "the current pair" the plain successor token is needed, yet only hashes are stored. The successor is
/// kept in the rotated row encrypted with AES-GCM under a key derived (HKDF) from the rotated token itself: only a
/// caller who presents that token can decrypt it, a database dump reveals nothing (the token is only stored as
/// SHA-256), it needs no server secret, and it works across replicas and restarts — unlike an in-memory cache.
/// Two concurrent refreshes of one token: the rotation is a conditional UPDATE (<c>WHERE rotated_at IS NULL</c>);
/// PostgreSQL's row lock makes the second wait and then match nothing, so it takes the grace path instead.
/// </remarks>
public sealed class RefreshTokenService(
    AuthDbContext db, TokenIssuer issuer, RevocationPublisher revocations, IOptions<AuthOptions> options, TimeProvider time, AuthMetrics metrics)
{
    /// <summary>A refresh token is 32 random bytes, 43 base64url characters; any other is refused like an unknown one.</summary>
    public const int TokenLength = 43;

    private const int MaxChain = 16;
    private static readonly byte[] SuccessorKeyInfo = Encoding.ASCII.GetBytes("campus-auth refresh successor v1");

    public async Task<RefreshResult> RefreshAsync(string presented, CancellationToken ct)
    {
        if (!TryDecode(presented, out var bytes))
        {
            return new RefreshResult.Invalid();
        }
        var now = time.GetUtcNow();
        var row = await FindAsync(SHA256.HashData(bytes), ct);
        if (row?.Session?.User is not { } user || row.Session.RevokedAt is not null || row.ExpiresAt <= now)
        {
            return new RefreshResult.Invalid();
        }
        if (user.Status == UserStatus.Blocked)
        {
            return new RefreshResult.Blocked();
        }

        if (row.RotatedAt is null)
        {
            if (await TryRotateAsync(row, bytes, user, now, ct) is { } rotated)
            {
                metrics.RefreshRotated();
                return new RefreshResult.Rotated(rotated);
            }
            // Lost the race to a concurrent refresh of the same token: it is rotated now.
            row = await FindAsync(row.TokenHash, ct);
            if (row?.RotatedAt is null)
            {
                return new RefreshResult.Invalid();
            }
        }

        if (now - row.RotatedAt.Value <= options.Value.RefreshReuseGrace && await CurrentPairAsync(row, bytes, user, now, ct) is { } current)
        {
            return new RefreshResult.GraceReplay(current);
        }

        await RevokeFamilyAsync(row.SessionId, ct);
        metrics.RefreshReuseDetected();
        return new RefreshResult.Reused();
    }

    /// <summary>
    /// Revokes the session of <paramref name="presented"/>, or all the user's sessions, and voids their access tokens at
    /// once. Unknown tokens are ignored; a token of an already revoked session voids that session's access tokens again.
    /// </summary>
    public async Task LogoutAsync(string presented, bool allSessions, CancellationToken ct)
    {
        if (!TryDecode(presented, out var bytes) || await FindAsync(SHA256.HashData(bytes), ct) is not { Session: { } session })
        {
            return;
        }
        if (allSessions)
        {
            var version = await issuer.RevokeAllSessionsAsync(session.UserId, "logout_all", ct);
            await issuer.AnnounceUserRevokedAsync(session.UserId, version);
            return;
        }
        var now = time.GetUtcNow();
        await db.Sessions.Where(s => s.Id == session.Id && s.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(s => s.RevokedAt, now)
            .SetProperty(s => s.RevokedReason, "logout"), ct);
        await revocations.SessionsRevokedAsync([session.Id]);
    }

    /// <summary>Revokes the session of a detected reuse (the whole family) and voids its access tokens.</summary>
    public async Task RevokeFamilyAsync(Guid sessionId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(s => s.RevokedAt, now)
            .SetProperty(s => s.RevokedReason, "reuse_detected"), ct);
        await revocations.SessionsRevokedAsync([sessionId]);
    }

    private Task<RefreshToken?> FindAsync(byte[] hash, CancellationToken ct) =>
        db.RefreshTokens.AsNoTracking()
            .Include(t => t.Session).ThenInclude(s => s!.User)
            .FirstOrDefaultAsync(t => t.TokenHash == hash, ct);

    private async Task<TokenResponse?> TryRotateAsync(RefreshToken row, byte[] presented, User user, DateTimeOffset now, CancellationToken ct)
    {
        var session = row.Session!;
        var (successor, successorRow) = issuer.NewRefreshToken(session, now);
        var ciphertext = Encrypt(presented, Base64Url.DecodeFromChars(successor));

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var won = await db.RefreshTokens
            .Where(t => t.Id == row.Id && t.RotatedAt == null)
            .ExecuteUpdateAsync(set => set
                .SetProperty(t => t.RotatedAt, now)
                .SetProperty(t => t.ReplacedById, successorRow.Id)
                .SetProperty(t => t.SuccessorCiphertext, ciphertext), ct);
        if (won == 0)
        {
            await transaction.RollbackAsync(ct);
            return null;
        }
        db.RefreshTokens.Add(successorRow);
        await db.SaveChangesAsync(ct);
        await db.Sessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(set => set.SetProperty(s => s.LastUsedAt, now), ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return issuer.Respond(user, session.Id, successor, successorRow.ExpiresAt, now);
    }

    // Walks from the presented (rotated) token to the live token of its session, decrypting each successor with its
    // predecessor, and answers that token with a fresh access token.
    private async Task<TokenResponse?> CurrentPairAsync(RefreshToken row, byte[] presented, User user, DateTimeOffset now, CancellationToken ct)
    {
        var plain = presented;
        var current = row;
        for (var step = 0; step < MaxChain && current.RotatedAt is not null; step++)
        {
            if (current.SuccessorCiphertext is null || current.ReplacedById is not { } nextId || Decrypt(plain, current.SuccessorCiphertext) is not { } next)
            {
                return null;
            }
            plain = next;
            current = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == nextId, ct);
            if (current is null)
            {
                return null;
            }
        }
        return current.RotatedAt is null && current.ExpiresAt > now
            ? issuer.Respond(user, current.SessionId, Base64Url.EncodeToString(plain), current.ExpiresAt, now)
            : null;
    }

    private static bool TryDecode(string? token, out byte[] bytes)
    {
        bytes = new byte[32];
        return token is { Length: TokenLength } && Base64Url.IsValid(token) &&
            Base64Url.TryDecodeFromChars(token, bytes, out var written) && written == 32;
    }

    private static byte[] Encrypt(byte[] presented, byte[] successor)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, presented, 32, salt: null, info: SuccessorKeyInfo);
        var output = new byte[12 + successor.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(output.AsSpan(0, 12), successor, output.AsSpan(12, successor.Length), output.AsSpan(12 + successor.Length));
        return output;
    }

    private static byte[]? Decrypt(byte[] presented, byte[] ciphertext)
    {
        if (ciphertext.Length != 12 + 32 + 16)
        {
            return null;
        }
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, presented, 32, salt: null, info: SuccessorKeyInfo);
        var plain = new byte[32];
        using var aes = new AesGcm(key, 16);
        try
        {
            aes.Decrypt(ciphertext.AsSpan(0, 12), ciphertext.AsSpan(12, 32), ciphertext.AsSpan(44), plain);
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
