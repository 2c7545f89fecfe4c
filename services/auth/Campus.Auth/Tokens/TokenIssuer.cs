using System.Buffers.Text;
using System.Security.Cryptography;
using Campus.Auth.Data;
using Campus.Auth.Users;
using Campus.Messaging.Outbox;
using Campus.Redis;
using Campus.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Auth.Tokens;

/// <summary>
/// Starts sessions and mints tokens: an ES256 access token (the claims listed in the auth README) and an opaque refresh token of which only
/// the SHA-256 is stored. Every sign-in flow (phone, e-mail) ends here, so the bootstrap-admin rule lives here too.
/// </summary>
public sealed class TokenIssuer(
    AuthDbContext db,
    SigningKeyRing keys,
    IOptions<AuthOptions> authOptions,
    IOptions<JwtOptions> jwtOptions,
    TimeProvider time,
    AuthMetrics metrics,
    RevocationPublisher revocations)
{
    public const string TokenType = "Bearer";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private AuthOptions Options => authOptions.Value;

    /// <summary>
    /// Starts a session for <paramref name="user"/> and answers its first token pair. Saves the context, so rows the
    /// caller added (a new user, an outbox event) are committed with the session. The user must be tracked by this
    /// context (added or loaded) or exist in the database.
    /// </summary>
    public Task<TokenResponse> IssueAsync(User user, bool rememberMe, CancellationToken ct) =>
        IssueAsync(user, rememberMe, "email", ct);

    /// <summary>
    /// <see cref="IssueAsync(User, bool, CancellationToken)"/>, counting the sign-in under <paramref name="method"/>
    /// (<c>phone</c> or <c>email</c>) in the <c>campus.auth.logins</c> metric.
    /// </summary>
    public async Task<TokenResponse> IssueAsync(User user, bool rememberMe, string method, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (db.Entry(user).State == EntityState.Detached)
        {
            db.Users.Attach(user);
        }
        GrantBootstrapAdmin(user, now);

        var session = new Session { UserId = user.Id, RememberMe = rememberMe, CreatedAt = now, LastUsedAt = now };
        var (refreshToken, row) = NewRefreshToken(session, now);
        db.Sessions.Add(session);
        db.RefreshTokens.Add(row);
        db.AddOutboxMessage(new UserSignedIn(user.Id, method) { OccurredAt = now });
        await db.SaveChangesAsync(ct);
        metrics.Login(method);
        return Respond(user, session.Id, refreshToken, row.ExpiresAt, now);
    }

    /// <summary>
    /// Revokes every live session of the user (password reset, e-mail confirmation, block, logout everywhere) and raises
    /// their security version, so every access token issued so far is void too. Returns the new version: once the change
    /// is committed, pass it to <see cref="AnnounceUserRevokedAsync"/> (announcing before the commit could void the
    /// tokens of a change that then rolls back).
    /// </summary>
    public async Task<long> RevokeAllSessionsAsync(Guid userId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.Sessions
            .Where(session => session.UserId == userId && session.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RevokedAt, now).SetProperty(s => s.RevokedReason, reason), ct);
        return await RaiseSecurityVersionAsync(userId, ct);
    }

    /// <summary>
    /// Raises the user's security version (a role change: sessions stay, access tokens issued so far become void, and
    /// the next refresh issues a token with the current roles). Announce the result with <see cref="AnnounceUserRevokedAsync"/>.
    /// </summary>
    public async Task<long> RaiseSecurityVersionAsync(Guid userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var versions = await db.Database.SqlQuery<long>($"""
            UPDATE users SET security_version = security_version + 1, updated_at = {now}
            WHERE id = {userId} RETURNING security_version AS "Value"
            """).ToListAsync(ct);
        return versions.SingleOrDefault();
    }

    /// <summary>Voids the user's access tokens below <paramref name="version"/> at the gateway, the services and open sockets.</summary>
    public Task AnnounceUserRevokedAsync(Guid userId, long version) => revocations.UserRevokedAsync(userId, version);

    /// <summary>A new random refresh token for <paramref name="session"/> and its row (hash only), not yet added.</summary>
    internal (string Token, RefreshToken Row) NewRefreshToken(Session session, DateTimeOffset now)
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var lifetime = session.RememberMe ? Options.RememberMeRefreshTokenLifetime : Options.RefreshTokenLifetime;
        var row = new RefreshToken
        {
            SessionId = session.Id,
            TokenHash = SHA256.HashData(bytes),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        return (Base64Url.EncodeToString(bytes), row);
    }

    internal TokenResponse Respond(User user, Guid sessionId, string refreshToken, DateTimeOffset refreshExpiresAt, DateTimeOffset now)
    {
        var lifetime = Options.AccessTokenLifetime;
        var accessToken = CreateAccessToken(user, sessionId, now, lifetime);
        return new TokenResponse(accessToken, TokenType, (int)lifetime.TotalSeconds, refreshToken,
            (int)Math.Max(0, (refreshExpiresAt - now).TotalSeconds), UserResponse.From(user));
    }

    private string CreateAccessToken(User user, Guid sessionId, DateTimeOffset now, TimeSpan lifetime)
    {
        var jwt = jwtOptions.Value;
        // Low-S only: validators refuse the other encoding of an ECDSA signature, which .NET produces half the time.
        return EcdsaLowS.Normalize(Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                ["sid"] = sessionId.ToString(),
                [AuthenticationExtensions.RolesClaim] = string.Join(' ', user.Roles),
                [JwtRegisteredClaimNames.Jti] = Guid.CreateVersion7().ToString(),
                [TokenRevocation.SecurityVersionClaim] = user.SecurityVersion,
            },
            SigningCredentials = new SigningCredentials(keys.Active, SecurityAlgorithms.EcdsaSha256),
        }));
    }

    private void GrantBootstrapAdmin(User user, DateTimeOffset now)
    {
        if (user.Roles.Contains(Roles.Admin) || Options.BootstrapAdmins.Count == 0)
        {
            return;
        }
        var listed = Options.BootstrapAdmins.Any(entry =>
            (user.Phone is not null && string.Equals(entry.Trim(), user.Phone, StringComparison.Ordinal)) ||
            (user.Email is not null && string.Equals(entry.Trim(), user.Email, StringComparison.OrdinalIgnoreCase)));
        if (listed)
        {
            user.Roles = [.. user.Roles, Roles.Admin];
            user.UpdatedAt = now;
            db.AddOutboxMessage(UserChanged.Of(user, now));
        }
    }
}
