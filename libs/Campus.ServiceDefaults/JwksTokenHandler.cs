using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Campus.ServiceDefaults;

/// <summary>
/// JwtBearer's token handler with the <see cref="JwksKeyCache"/> kept current before each validation: a token whose
/// <c>kid</c> is unknown is validated again after the key set was re-read in the same request (JwtBearer's own
/// refresh on an unknown kid runs in the background, so the first tokens of a new key would be refused), and ES256
/// signatures with a high s refused (<see cref="EcdsaLowS"/>).
/// </summary>
internal sealed class JwksTokenHandler(JwksKeyCache keys) : JsonWebTokenHandler
{
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
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid
            || result.Exception is not SecurityTokenSignatureKeyNotFoundException
            || !CanReadToken(token)
            || ReadJsonWebToken(token).Kid is not { Length: > 0 } kid
            || !await keys.TryReadForUnknownKidAsync(kid))
        {
            return result;
        }
        return await base.ValidateTokenAsync(token, validationParameters);
    }
}
