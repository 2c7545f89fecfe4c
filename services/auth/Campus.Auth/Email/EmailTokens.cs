using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Campus.Auth.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Auth.Email;

/// <summary>Issues, finds and spends the single-use tokens of the e-mail flows.</summary>
public sealed class EmailTokens(AuthDbContext db, TimeProvider time)
{
    /// <summary>A token is 32 random bytes, 43 base64url characters; any other token is <c>token_invalid</c>.</summary>
    public const int TokenLength = 43;

    public static readonly TimeSpan ConfirmationLifetime = TimeSpan.FromHours(24);

    public static readonly TimeSpan ResetLifetime = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Adds a new token for <paramref name="userId"/> to the context (the caller saves it, with the event that carries
    /// the plain token) and deletes the user's unspent tokens of the same purpose, so only the newest link works.
    /// </summary>
    /// <returns>The plain token (base64url of 256 random bits) and its row.</returns>
    public async Task<(string Token, EmailToken Row)> IssueAsync(Guid userId, EmailTokenPurpose purpose, string? passwordHash,
        CancellationToken ct)
    {
        await db.Set<EmailToken>()
            .Where(t => t.UserId == userId && t.Purpose == purpose && t.UsedAt == null)
            .ExecuteDeleteAsync(ct);

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var row = new EmailToken
        {
            UserId = userId,
            Purpose = purpose,
            TokenHash = Hash(token),
            PasswordHash = passwordHash,
            CreatedAt = now,
            ExpiresAt = now + (purpose == EmailTokenPurpose.Confirm ? ConfirmationLifetime : ResetLifetime),
        };
        db.Set<EmailToken>().Add(row);
        return (token, row);
    }

    /// <summary>Whether a token of that purpose was issued to the user within <paramref name="interval"/> (so a mail went out).</summary>
    public Task<bool> SentRecentlyAsync(Guid userId, EmailTokenPurpose purpose, TimeSpan interval, CancellationToken ct)
    {
        var since = time.GetUtcNow() - interval;
        return db.Set<EmailToken>().AnyAsync(t => t.UserId == userId && t.Purpose == purpose && t.CreatedAt > since, ct);
    }

    /// <summary>The unspent, unexpired token of that purpose, or null (unknown, used, expired or malformed alike).</summary>
    public async Task<EmailToken?> FindUsableAsync(string? token, EmailTokenPurpose purpose, CancellationToken ct)
    {
        // 32 bytes are 43 base64url characters; anything else cannot be ours, and is not worth a query.
        if (token is null || token.Length != TokenLength || !Base64Url.IsValid(token))
        {
            return null;
        }
        var hash = Hash(token);
        var now = time.GetUtcNow();
        // The lookup is by the hash of a 256-bit random value: a timing difference can tell an attacker nothing
        // about a token they do not already have, so an index lookup is as safe as a constant-time comparison.
        return await db.Set<EmailToken>()
            .SingleOrDefaultAsync(t => t.TokenHash == hash && t.Purpose == purpose && t.UsedAt == null && t.ExpiresAt > now, ct);
    }

    /// <summary>
    /// Spends the token in one conditional UPDATE: of two concurrent requests with the same token exactly one wins.
    /// Run it inside the transaction that applies the token's effect.
    /// </summary>
    public async Task<bool> TrySpendAsync(EmailToken token, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var spent = await db.Set<EmailToken>()
            .Where(t => t.Id == token.Id && t.UsedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        return spent == 1;
    }

    /// <summary>SHA-256 of the token's text, the only form in which it is stored.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
