using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Campus.ServiceDefaults;

/// <summary>
/// JwtBearer's token handler with the <see cref="JwksKeyCache"/> kept current before each validation: a token whose
/// <c>kid</c> is unknown is validated again after the key set was re-read in the same request (JwtBearer's own
/// refresh on an unknown kid runs in the background, so the first tokens of a new key would be refused), and ES256
/// signatures with a high s refused (<see cref="EcdsaLowS"/>).
/// </summary>
/// <remarks>
/// A validated token is remembered, so the same token on the next requests costs a dictionary lookup instead of an
/// ES256 verification (≈ 130 µs of CPU, the largest part of authenticating a request; a client sends one access token
/// for its whole lifetime, and the gateway and the service behind it each validate it). A remembered validation counts
/// only while the token has not expired (its <c>exp</c> plus the allowed clock skew, on the host's
/// <see cref="TimeProvider"/>) and only against the key set it was verified with: any re-read of the JWKS that changes
/// the keys (a key withdrawn, or just refreshed) sends every token through the full validation again. The cache is keyed
/// by the token's exact text, so a re-encoded token is validated in full; at most <see cref="MaxRemembered"/> tokens
/// are kept.
/// </remarks>
internal sealed class JwksTokenHandler(JwksKeyCache keys, TimeProvider time) : JsonWebTokenHandler
{
    internal const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    /// <summary>
    /// What a successful validation produced, the key set it was made against, and until when it counts (<c>exp</c> plus
    /// the clock skew). JwtBearer hands each request a copy of its options' parameters, the same for every request of
    /// this handler, which belongs to one options instance.
    /// </summary>
    private sealed record Validated(JsonWebToken Token, ClaimsIdentity Identity, IReadOnlyList<SecurityKey> KeySet, DateTime Expires);

    /// <summary>How many validations were answered from the cache (for tests and diagnostics).</summary>
    internal long RememberedHits => Interlocked.Read(ref _rememberedHits);

    private long _rememberedHits;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        // Only the low-S encoding of a signature is accepted (EcdsaLowS): the other one is the same token, tampered with.
        if (EcdsaLowS.HasHighS(token))
        {
            return new TokenValidationResult
            {
                IsValid = false,
                Exception = new SecurityTokenInvalidSignatureException("The ES256 signature is not in low-S form."),
            };
        }
        await keys.EnsureFreshAsync();
        if (Remembered(token) is { } remembered)
        {
            return remembered;
        }
        var keySet = keys.Current;
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (!result.IsValid
            && result.Exception is SecurityTokenSignatureKeyNotFoundException
            && CanReadToken(token)
            && ReadJsonWebToken(token).Kid is { Length: > 0 } kid
            && await keys.TryReadForUnknownKidAsync(kid))
        {
            keySet = keys.Current;
            result = await base.ValidateTokenAsync(token, validationParameters);
        }
        if (result is { IsValid: true, SecurityToken: JsonWebToken jwt, ClaimsIdentity: { } identity } && ReferenceEquals(keySet, keys.Current))
        {
            Remember(token, new Validated(jwt, identity.Clone(), keySet, jwt.ValidTo + validationParameters.ClockSkew));
        }
        return result;
    }

    private TokenValidationResult? Remembered(string token)
    {
        if (!_validated.TryGetValue(token, out var validated))
        {
            return null;
        }
        if (!ReferenceEquals(validated.KeySet, keys.Current) || time.GetUtcNow().UtcDateTime > validated.Expires)
        {
            _validated.TryRemove(new KeyValuePair<string, Validated>(token, validated));
            return null;
        }
        Interlocked.Increment(ref _rememberedHits);
        // JwtBearer and the roles mapping add claims to the identity they get: each request gets its own copy.
        return new TokenValidationResult
        {
            IsValid = true,
            SecurityToken = validated.Token,
            ClaimsIdentity = validated.Identity.Clone(),
            Issuer = validated.Token.Issuer,
            TokenType = validated.Token.Typ,
        };
    }

    private void Remember(string token, Validated validated)
    {
        if (_validated.Count >= MaxRemembered)
        {
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var (key, entry) in _validated)
            {
                if (entry.Expires < now || !ReferenceEquals(entry.KeySet, keys.Current))
                {
                    _validated.TryRemove(new KeyValuePair<string, Validated>(key, entry));
                }
            }
            if (_validated.Count >= MaxRemembered)
            {
                _validated.Clear();
            }
        }
        _validated[token] = validated;
    }
}
