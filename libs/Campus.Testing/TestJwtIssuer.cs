using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Testing;

/// <summary>
/// Mints real ES256 access tokens, shaped like the auth service's, and serves their public keys as a
/// JWKS over real HTTP on 127.0.0.1, so hosts under test validate tokens exactly as in production — no auth bypass.
/// </summary>
public sealed class TestJwtIssuer : IAsyncLifetime, IAsyncDisposable
{
    public const string Issuer = "campus-auth";
    public const string Audience = "campus";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly List<ECDsaSecurityKey> _published = [];
    private WebApplication? _server;
    private ECDsaSecurityKey _signingKey = NewKey();
    private int _jwksRequests;

    public TestJwtIssuer() => _published.Add(_signingKey);

    /// <summary>The URL of the key set, for <c>Jwt:JwksUrl</c>.</summary>
    public string JwksUrl { get; private set; } = "";

    /// <summary>How many times the key set was fetched: shows whether a host re-read it.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>When set, the key set is served with <c>Cache-Control: public, max-age=</c> these (whole) seconds.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>The settings a host needs to trust this issuer.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jwt:JwksUrl"] = JwksUrl,
        ["Jwt:Issuer"] = Issuer,
        ["Jwt:Audience"] = Audience,
    };

    /// <summary>Publishes a new key and signs with it from now on (the old one stays published).</summary>
    public void RotateKey()
    {
        _signingKey = NewKey();
        _published.Add(_signingKey);
    }

    /// <summary>Stops publishing every key but the one it signs with now (as after a key compromise).</summary>
    public void WithdrawPreviousKeys() => _published.RemoveAll(key => key != _signingKey);

    /// <summary>A key the JWKS never published: tokens signed with it must be refused.</summary>
    public static SecurityKey UnpublishedKey() => NewKey();

    /// <summary>
    /// An access token for <paramref name="userId"/> with space-separated <paramref name="roles"/>;
    /// <paramref name="subject"/> replaces the <c>sub</c> claim as given (to forge a token that names nobody).
    /// </summary>
    public string CreateToken(
        Guid? userId = null,
        string roles = "student",
        TimeSpan? lifetime = null,
        string issuer = Issuer,
        string audience = Audience,
        DateTime? notBefore = null,
        SecurityKey? signingKey = null,
        string? subject = null,
        Guid? sessionId = null,
        long? securityVersion = null,
        bool highS = false)
    {
        var now = DateTime.UtcNow;
        var expires = (notBefore ?? now) + (lifetime ?? TimeSpan.FromHours(1));
        var claims = new List<Claim>
        {
            new("sub", subject ?? (userId ?? Guid.NewGuid()).ToString()),
            new("sid", (sessionId ?? Guid.NewGuid()).ToString()),
            new("roles", roles),
            new("jti", Guid.NewGuid().ToString()),
        };
        if (securityVersion is { } sv)
        {
            claims.Add(new Claim("sv", sv.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }
        // Like the auth service, low-S signatures only (hosts refuse the other form); highS forges the other one.
        var token = ForgedTokens.WithLowS(_handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore is { } nbf && nbf < now ? nbf : now,
            NotBefore = notBefore ?? now,
            Expires = expires,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(signingKey ?? _signingKey, SecurityAlgorithms.EcdsaSha256),
        }));
        return highS ? ForgedTokens.WithHighS(token) : token;
    }

    public async ValueTask InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync(app => app.MapGet("/api/auth/.well-known/jwks.json", (HttpContext context) =>
        {
            Interlocked.Increment(ref _jwksRequests);
            if (MaxAge is { } maxAge)
            {
                context.Response.Headers.CacheControl = $"public, max-age={(int)maxAge.TotalSeconds}";
            }
            var keys = _published.Select(key => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(key)).Select(jwk => new
            {
                kty = jwk.Kty,
                crv = jwk.Crv,
                x = jwk.X,
                y = jwk.Y,
                kid = jwk.Kid,
                use = "sig",
                alg = SecurityAlgorithms.EcdsaSha256,
            });
            return Results.Json(new { keys });
        }));
        JwksUrl = $"{_server.Address()}/api/auth/.well-known/jwks.json";
    }

    /// <summary>Stops serving the key set (auth down); tokens can still be minted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    private static ECDsaSecurityKey NewKey() =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = Guid.NewGuid().ToString("N")[..16] };
}
