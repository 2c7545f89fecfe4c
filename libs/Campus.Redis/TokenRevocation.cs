using System.Security.Claims;
using System.Text.Json;
using Campus.Redis;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Campus.Redis
{
    /// <summary>
    /// Revoked access tokens, shared through Redis (under <c>Redis:KeyPrefix</c>). The auth service writes them; the gateway
    /// checks them on every authenticated request, hosts that opted in (<see cref="Microsoft.Extensions.Hosting.TokenRevocationExtensions.AddTokenRevocationCheck"/>)
    /// after validating a token, and chat nodes close the open sockets named on <see cref="Channel"/>.
    /// <list type="bullet">
    /// <item><c>auth:revoked:sid:{sid}</c> exists: every access token of that session is void (logout, refresh-token reuse).</item>
    /// <item><c>auth:revoked:user:{sub}</c> = N: tokens of that user whose <c>sv</c> claim (security version, 0 when absent) is
    /// below N are void (block, role change, password reset, logout everywhere). A token issued after the change carries N.</item>
    /// </list>
    /// Each entry lives <see cref="EntryLifetime"/> past the change: by then every token it voids has expired.
    /// </summary>
    public static class TokenRevocation
    {
        public const string SessionClaim = "sid";

        /// <summary>The user's security version when the token was issued; raised by auth on every change that voids tokens.</summary>
        public const string SecurityVersionClaim = "sv";

        /// <summary>The problem code (and WebSocket close reason) of a revoked token.</summary>
        public const string Code = Problems.TokenRevoked;

        /// <summary>The channel on which auth announces revocations (<see cref="RevocationNotice"/> as JSON).</summary>
        public static readonly RedisChannel Channel = RedisChannel.Literal("auth:revocations");

        public static RedisKey SessionKey(string sessionId) => $"auth:revoked:sid:{sessionId}";

        public static RedisKey UserKey(string userId) => $"auth:revoked:user:{userId}";

        /// <summary>How long an entry outlives the change: the access-token lifetime plus the largest clock skew a validator allows (<see cref="JwtOptions.ClockSkew"/>, at most 5 min).</summary>
        public static TimeSpan EntryLifetime(TimeSpan accessTokenLifetime) => accessTokenLifetime + TimeSpan.FromMinutes(5);

        public static long SecurityVersion(ClaimsPrincipal principal) =>
            long.TryParse(principal.FindFirstValue(SecurityVersionClaim), out var version) ? version : 0;

        /// <summary>Whether a token of <paramref name="securityVersion"/> is void given the values of its session and user keys.</summary>
        public static bool IsRevoked(RedisValue sessionEntry, RedisValue userEntry, long securityVersion) =>
            !sessionEntry.IsNull || (userEntry.TryParse(out long minimum) && securityVersion < minimum);

        /// <summary>Whether an announced revocation voids a token of this user, session and security version.</summary>
        public static bool Voids(this RevocationNotice notice, Guid userId, Guid? sessionId, long securityVersion) =>
            (notice.SessionId is { } sid && sid == sessionId)
            || (notice.UserId == userId && notice.MinVersion is { } minimum && securityVersion < minimum);
    }

    /// <summary>What auth announces on <see cref="TokenRevocation.Channel"/>: a session, or a user's tokens below a version.</summary>
    public sealed record RevocationNotice(Guid? SessionId = null, Guid? UserId = null, long? MinVersion = null)
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

        public static RevocationNotice? Parse(byte[] utf8)
        {
            try
            {
                return JsonSerializer.Deserialize<RevocationNotice>(utf8, Json);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Checks a validated token against the deny-list in one round trip (MGET). Redis unreachable: the token is accepted
    /// and a warning logged at most every 30 s (fail open, like the gateway's rate limits; the short access-token
    /// lifetime bounds what an outage lets through).
    /// </summary>
    public sealed partial class TokenRevocationCheck(IConnectionMultiplexer redis, IDatabase database, ILogger<TokenRevocationCheck> logger, TimeProvider time)
    {
        private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);
        private long _lastWarning = long.MinValue;

        /// <summary>True when revoked; false when not, or when the list cannot be read.</summary>
        public async Task<bool> IsRevokedAsync(ClaimsPrincipal principal)
        {
            if (principal.FindFirstValue("sub") is not { } userId)
            {
                return false;
            }
            if (!redis.IsConnected)
            {
                Warn(null);
                return false;
            }
            try
            {
                var sid = principal.FindFirstValue(TokenRevocation.SessionClaim) ?? "";
                var values = await database.StringGetAsync([TokenRevocation.SessionKey(sid), TokenRevocation.UserKey(userId)]);
                return TokenRevocation.IsRevoked(values[0], values[1], TokenRevocation.SecurityVersion(principal));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Warn(ex);
                return false;
            }
        }

        private void Warn(Exception? exception)
        {
            var now = time.GetTimestamp();
            var last = Interlocked.Read(ref _lastWarning);
            if ((last == long.MinValue || time.GetElapsedTime(last, now) >= WarningInterval)
                && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
            {
                LogUnavailable(logger, exception);
            }
        }

        [LoggerMessage(LogLevel.Warning, "Token revocations not checked (tokens accepted): Redis is unavailable")]
        private static partial void LogUnavailable(ILogger logger, Exception? exception);
    }
}

namespace Microsoft.Extensions.Hosting
{
    /// <summary>Registration of the deny-list check on a host that validates tokens and has Redis.</summary>
    public static class TokenRevocationExtensions
    {
        /// <summary>
        /// After a token validated, refuses it (401) when auth revoked its session or its user's tokens. Call after
        /// <see cref="AuthenticationExtensions.AddDefaultAuthentication"/> and <see cref="RedisExtensions.AddCampusRedis"/>.
        /// Defence in depth behind the gateway (which checks every request), and the check on WebSocket handshakes.
        /// </summary>
        public static IHostApplicationBuilder AddTokenRevocationCheck(this IHostApplicationBuilder builder)
        {
            builder.Services.TryAddSingleton<TokenRevocationCheck>();
            builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
                .PostConfigure<TokenRevocationCheck>((bearer, check) =>
                {
                    var validated = bearer.Events.OnTokenValidated;
                    bearer.Events.OnTokenValidated = async context =>
                    {
                        await validated(context);
                        if (context.Result is null && context.Principal is { } principal && await check.IsRevokedAsync(principal))
                        {
                            context.HttpContext.Items[TokenRevocation.Code] = true;
                            context.Fail("The access token was revoked.");
                        }
                    };
                });
            return builder;
        }
    }
}
