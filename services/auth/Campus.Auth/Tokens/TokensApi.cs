using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;

namespace Campus.Auth.Tokens;

public sealed record RefreshRequest([property: Bounds(MaxLength = RefreshTokenService.TokenLength)] string RefreshToken);

public sealed record LogoutRequest([property: Bounds(MaxLength = RefreshTokenService.TokenLength)] string RefreshToken, bool AllSessions = false);

/// <summary>One public key of the JWKS (RFC 7517), EC P-256.</summary>
public sealed record JsonWebKeyResponse(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);

public sealed record JsonWebKeySetResponse(IReadOnlyList<JsonWebKeyResponse> Keys);

/// <summary>Refresh, logout and the public keys.</summary>
public static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/auth").WithTags("Tokens");

        group.MapPost("/token/refresh", RefreshAsync)
            .WithName("RefreshToken")
            .WithSummary("Exchanges a refresh token for a new pair (rotation with reuse detection).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RateLimited(AuthApi.EdgeRateLimit);

        group.MapPost("/logout", LogoutAsync)
            .WithName("Logout")
            .WithSummary("Revokes the session of a refresh token, or every session of its user; 204 also when already revoked.")
            .WithDescription("Needs no access token: the refresh token in the body is the credential, so a client whose access token expired still signs out. No Authorization header is required or read.")
            .AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RateLimited(AuthApi.EdgeRateLimit);

        group.MapGet("/.well-known/jwks.json", Jwks)
            .WithName("GetJwks")
            .WithSummary("The public ES256 keys that verify access tokens.")
            .ProducesHeader(StatusCodes.Status200OK, "Cache-Control", "`public, max-age=600`: how long a verifier may cache the key set.")
            .RateLimited(AuthApi.EdgeRateLimit);

        return routes;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, RefreshTokenService refresh, CancellationToken ct)
    {
        var result = await refresh.RefreshAsync(request.RefreshToken, ct);
        return result switch
        {
            RefreshResult.Rotated rotated => TypedResults.Ok(rotated.Tokens),
            RefreshResult.GraceReplay replay => TypedResults.Ok(replay.Tokens),
            RefreshResult.Reused => Problems.Create(StatusCodes.Status401Unauthorized, "refresh_token_reused",
                "This refresh token was already used; the session is revoked. Sign in again."),
            RefreshResult.Blocked => Problems.Create(StatusCodes.Status403Forbidden, "user_blocked", "This account is blocked."),
            RefreshResult.Invalid => Problems.Create(StatusCodes.Status401Unauthorized, "refresh_token_invalid",
                "The refresh token is expired, revoked or unknown."),
            _ => throw new InvalidOperationException($"Unexpected refresh result {result.GetType().Name}."),
        };
    }

    public static async Task<NoContent> LogoutAsync(LogoutRequest request, RefreshTokenService refresh, CancellationToken ct)
    {
        await refresh.LogoutAsync(request.RefreshToken, request.AllSessions, ct);
        return TypedResults.NoContent();
    }

    public static Ok<JsonWebKeySetResponse> Jwks(SigningKeyRing keys, HttpResponse response)
    {
        // Gateways and services cache the key set for 10 minutes; a new key is published before it signs.
        response.Headers.CacheControl = "public, max-age=600";
        var set = keys.PublicKeys.Select(key =>
        {
            var parameters = key.ECDsa.ExportParameters(includePrivateParameters: false);
            return new JsonWebKeyResponse("EC", "P-256", Base64UrlEncoder.Encode(parameters.Q.X), Base64UrlEncoder.Encode(parameters.Q.Y),
                key.KeyId, "sig", SecurityAlgorithms.EcdsaSha256);
        }).ToList();
        return TypedResults.Ok(new JsonWebKeySetResponse(set));
    }
}
