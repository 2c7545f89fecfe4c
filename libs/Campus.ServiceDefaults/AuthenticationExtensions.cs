using System.Security.Claims;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>JWT bearer validation of Campus access tokens against the auth service's JWKS.</summary>
public static class AuthenticationExtensions
{
    /// <summary>The claim that carries a user's roles: one space-separated string, so any proxy can copy it to a header.</summary>
    public const string RolesClaim = "roles";

    /// <summary>The claim type roles are mapped to, so <c>RequireRole("admin")</c> and <c>IsInRole</c> work.</summary>
    public const string RoleClaim = "role";

    /// <summary>
    /// Validates bearer tokens: ES256 signature from the JWKS at <c>Jwt:JwksUrl</c> (<see cref="JwksKeyCache"/>: cached per
    /// its <c>Cache-Control</c>, re-read within the request on an unknown <c>kid</c> at most every
    /// <c>Jwt:MinimumRefreshInterval</c>, never read at start), issuer, audience, <c>exp</c> (required) and
    /// <c>nbf</c> with a small clock skew. The space-separated <c>roles</c> claim becomes one role claim per role.
    /// On a WebSocket handshake the token may come as the <c>bearer.&lt;jwt&gt;</c> subprotocol (<see cref="WebSocketBearer"/>).
    /// Services validate the token again behind the gateway: identity headers alone are never trusted.
    /// </summary>
    public static IHostApplicationBuilder AddDefaultAuthentication(this IHostApplicationBuilder builder)
    {
        // { "Jwt": { "JwksUrl": "http://127.0.0.1:8101/api/auth/.well-known/jwks.json", "Issuer": "campus-auth", "Audience": "campus",
        //           "ClockSkew": "00:00:30", "RefreshInterval": "00:10:00", "MinimumRefreshInterval": "00:00:30" } }
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<JwksKeyCache>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, JwksKeyCache, TimeProvider>((bearer, jwtOptions, keys, time) => Configure(bearer, jwtOptions.Value, keys, time));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Campus.Policies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(Campus.Roles.Admin))
            .AddPolicy(Campus.Policies.ManageContent, policy => policy.RequireAuthenticatedUser().RequireRole(Campus.Roles.Author, Campus.Roles.Admin))
            .AddPolicy(Campus.Policies.AssignLearners, policy => policy.RequireAuthenticatedUser().RequireRole(Campus.Roles.Manager, Campus.Roles.Admin));
        return builder;
    }

    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt, JwksKeyCache keys, TimeProvider time)
    {
        // No Authority/MetadataAddress/ConfigurationManager: the keys come from the cache, whose handler re-reads the
        // JWKS within the request on an unknown kid (JwtBearer's own refresh would run in the background).
        bearer.TokenHandlers.Clear();
        bearer.TokenHandlers.Add(new JwksTokenHandler(keys, time) { MapInboundClaims = false });
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = jwt.ClockSkew,
            LifetimeValidator = (notBefore, expires, _, parameters) => ValidateLifetime(notBefore, expires, parameters, time),
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Find(kid),
            NameClaimType = "sub",
            RoleClaimType = RoleClaim,
        };
        bearer.Events = new JwtBearerEvents { OnMessageReceived = WebSocketBearer.ReadFromSubprotocol, OnTokenValidated = OnTokenValidated };
    }

    /// <summary>
    /// The library's lifetime rule (exp required; nbf and exp each within the clock skew) on the host's
    /// <see cref="TimeProvider"/> rather than the wall clock, the same clock remembered validations expire on
    /// (<see cref="JwksTokenHandler"/>); the exceptions are the library's, so challenges still say why.
    /// </summary>
    private static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, TokenValidationParameters parameters, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException($"The token is not valid before {nbf:O}.") { NotBefore = nbf };
        }
        if (exp < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException($"The token expired at {exp:O}.") { Expires = exp };
        }
        return true;
    }

    /// <summary>The caller's user id: the token's <c>sub</c>, a UUID on every token a Campus host accepts.</summary>
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue("sub"), out var id)
            ? id
            : throw new InvalidOperationException("The caller is not authenticated: call UserId() only behind RequireAuthorization.");

    private static Task OnTokenValidated(TokenValidatedContext context)
    {
        // sub is the user id (a UUID). A token without one identifies nobody, so it is refused here, once,
        // rather than by every endpoint that reads the caller's id.
        if (!Guid.TryParse(context.Principal?.FindFirstValue("sub"), out _))
        {
            context.Fail("The token's sub is not a user id.");
            return Task.CompletedTask;
        }
        MapRoles(context.Principal!);
        return Task.CompletedTask;
    }

    private static void MapRoles(ClaimsPrincipal principal)
    {
        if (principal.Identity is ClaimsIdentity identity)
        {
            var roles = identity.FindAll(RolesClaim)
                .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            foreach (var role in roles)
            {
                identity.AddClaim(new Claim(RoleClaim, role));
            }
        }
    }
}
