using System.Net;
using Campus.Testing;
using Microsoft.AspNetCore.Hosting;

namespace Campus.Gateway.Tests;

public sealed class AuthenticationTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/auth/phone/send-code")]
    [InlineData("/api/auth/phone/verify")]
    [InlineData("/api/auth/email/login")]
    [InlineData("/api/auth/password/reset")]
    [InlineData("/api/auth/token/refresh")]
    [InlineData("/api/auth/.well-known/jwks.json")]
    [InlineData("/api/profile/healthz")]
    public async Task Public_routes_reach_the_service_without_a_token(string path)
    {
        var response = await factory.CreateClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/auth/me")]
    [InlineData("/api/auth/token/revoke")]
    [InlineData("/api/auth/phone%2F..%2Fme")]
    [InlineData("/api/profile/profiles/me")]
    [InlineData("/api/content/courses")]
    [InlineData("/api/notifications/settings")]
    [InlineData("/api/analytics/reports")]
    [InlineData("/api/chat/chats")]
    [InlineData("/api/no-policy/anything")]
    public async Task Protected_routes_without_a_token_answer_401_invalid_token_problem(string path)
    {
        var response = await factory.CreateClient().GetAsync(path, Ct);

        await AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Logout_needs_no_access_token_but_only_as_a_post()
    {
        // A client whose access token expired signs out with its refresh token alone.
        var post = await factory.CreateClient().PostAsync("/api/auth/logout", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        await AssertInvalidTokenAsync(await factory.CreateClient().GetAsync("/api/auth/logout", Ct));
    }

    [Fact]
    public async Task Public_prefix_does_not_open_a_sibling_path()
    {
        // /api/auth/phone is public only as a folder: /api/auth/phonebook is not under it.
        var response = await factory.CreateClient().GetAsync("/api/auth/phonebook", Ct);

        await AssertInvalidTokenAsync(response);
    }

    public static TheoryData<string> BadTokens => new(["malformed", "wrong_signature", "alg_none", "hs256_with_public_key",
        "expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "unknown_kid"]);

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Bad_token_answers_401_invalid_token_problem(string kind)
    {
        var token = await BadTokenAsync(kind);

        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/profiles/me", token), Ct);

        await AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Valid_token_reaches_the_service()
    {
        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/profiles/me", factory.Jwt.CreateToken()), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("GET /api/profile/profiles/me", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Token_within_the_clock_skew_is_accepted()
    {
        // Expired 10 s ago: inside the 30 s skew, so a slightly slow clock at the gateway does not reject it.
        var token = factory.Jwt.CreateToken(notBefore: DateTime.UtcNow.AddMinutes(-5), lifetime: TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(10));

        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/x", token), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, string.Join(" ", response.Headers.WwwAuthenticate));
    }

    [Fact]
    public async Task Token_in_the_query_string_is_not_accepted()
    {
        var token = factory.Jwt.CreateToken();

        var response = await factory.CreateClient().GetAsync($"/api/profile/profiles/me?access_token={token}", Ct);

        await AssertInvalidTokenAsync(response);
    }

    internal static async Task AssertInvalidTokenAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}: {body}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unauthorized", Problems.Code(body));
    }

    private async Task<string> BadTokenAsync(string kind)
    {
        var now = DateTime.UtcNow;
        return kind switch
        {
            "malformed" => "not.a.jwt",
            "wrong_signature" => ForgedTokens.Tampered(factory.Jwt.CreateToken()),
            "alg_none" => ForgedTokens.Unsigned(factory.Jwt.CreateToken()),
            "hs256_with_public_key" => await HmacWithPublicKeyAsync(factory.Jwt.CreateToken()),
            "expired" => factory.Jwt.CreateToken(notBefore: now.AddHours(-2), lifetime: TimeSpan.FromHours(1)),
            "not_yet_valid" => factory.Jwt.CreateToken(notBefore: now.AddMinutes(5)),
            "wrong_issuer" => factory.Jwt.CreateToken(issuer: "someone-else"),
            "wrong_audience" => factory.Jwt.CreateToken(audience: "another-api"),
            "unknown_kid" => factory.Jwt.CreateToken(signingKey: TestJwtIssuer.UnpublishedKey()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private async Task<string> HmacWithPublicKeyAsync(string token)
    {
        // The classic algorithm confusion: HS256 keyed with the published (public) key set.
        using var http = new HttpClient();
        var jwks = await http.GetStringAsync(factory.Jwt.JwksUrl, Ct);
        return ForgedTokens.HmacSignedWithPublicKeySet(token, jwks, ForgedTokens.FirstKid(jwks));
    }
}

/// <summary>The same gateway outside Development.</summary>
public sealed class ProductionGatewayFactory : GatewayFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

/// <summary>
/// Development-only routes of the services (auth's SMS outbox shows every sign-in code) are never routed: 404 from the
/// gateway itself, with or without a token, in Development and elsewhere, in any spelling of the path.
/// </summary>
public abstract class DevRouteTests(GatewayFactory factory)
{
    public static TheoryData<string> DevPaths => new([
        "/api/auth/dev/sms-outbox?phone=%2B79001234567",
        "/api/auth/DEV/sms-outbox",
        "/api/auth//dev/sms-outbox",
        "/api/auth/%64ev/sms-outbox",
        "/api/auth/dev",
        "/api/profile/dev/anything",
    ]);

    [Theory]
    [MemberData(nameof(DevPaths))]
    public async Task Dev_routes_are_refused_with_and_without_a_token(string path)
    {
        var anonymous = await factory.CreateClient().GetAsync(path, TestContext.Current.CancellationToken);
        var withToken = await factory.CreateClient().SendAsync(GatewayRequests.Get(path, factory.Jwt.CreateToken()), TestContext.Current.CancellationToken);

        foreach (var response in new[] { anonymous, withToken })
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {body}");
            // The gateway's own problem, not the upstream's echo ("GET /api/auth/dev/..."): nothing was forwarded.
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("not_found", Problems.Code(body));
        }
    }
}

public sealed class DevelopmentDevRouteTests(GatewayFactory factory) : DevRouteTests(factory), IClassFixture<GatewayFactory>;

public sealed class ProductionDevRouteTests(ProductionGatewayFactory factory) : DevRouteTests(factory), IClassFixture<ProductionGatewayFactory>;

/// <summary>A gateway of its own: rotating the issuer's key must not disturb the other test classes.</summary>
public sealed class KeyRotationGatewayFactory : GatewayFactory;

public sealed class KeyRotationTests(KeyRotationGatewayFactory factory) : IClassFixture<KeyRotationGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_key_rotation_tokens_of_both_keys_are_accepted()
    {
        using var client = factory.CreateClient();
        var oldToken = factory.Jwt.CreateToken();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/profile/x", oldToken), Ct)).StatusCode);

        var readsBefore = factory.Jwt.JwksRequests;

        factory.Jwt.RotateKey();
        var newToken = factory.Jwt.CreateToken();

        // The new kid is unknown to the cached key set: the gateway re-reads the JWKS within that very request.
        var first = await client.SendAsync(GatewayRequests.Get("/api/profile/x", newToken), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(readsBefore + 1, factory.Jwt.JwksRequests);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/profile/x", oldToken), Ct)).StatusCode);
    }
}
