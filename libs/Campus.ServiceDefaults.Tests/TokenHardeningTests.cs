using System.Net;
using System.Security.Claims;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Campus.ServiceDefaults.Tests;

/// <summary>Low-S ES256 signatures only, and the Redis deny-list of revoked access tokens (AddTokenRevocationCheck).</summary>
public sealed class TokenHardeningTests(TestJwtIssuer issuer) : IClassFixture<TestJwtIssuer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _prefix = TestInfrastructure.UniqueName("t") + ":";

    private Task<TestApp> StartAsync(bool revocation = false)
    {
        var settings = issuer.Settings.ToDictionary();
        settings["ConnectionStrings:Redis"] = TestInfrastructure.RedisConnectionString;
        settings["Redis:KeyPrefix"] = _prefix;
        return TestApp.StartAsync(
            settings: settings,
            configure: builder =>
            {
                builder.AddDefaultAuthentication();
                if (revocation)
                {
                    builder.AddCampusRedis();
                    builder.AddTokenRevocationCheck();
                }
            },
            map: app => app.MapGet("/me", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization());
    }

    [Fact]
    public async Task High_S_signature_is_refused_and_its_low_S_twin_accepted()
    {
        await using var app = await StartAsync();

        // Several tokens: .NET signs with a high s about half the time, so both kinds of original are covered.
        for (var i = 0; i < 6; i++)
        {
            var token = issuer.CreateToken();
            var highS = ForgedTokens.WithHighS(token);
            Assert.NotEqual(token, highS);

            var low = await app.Client.SendAsync(app.Get("/me", token), Ct);
            var high = await app.Client.SendAsync(app.Get("/me", highS), Ct);

            Assert.Equal(HttpStatusCode.OK, low.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, high.StatusCode);
        }
    }

    [Fact]
    public async Task Revoked_session_and_tokens_below_the_users_version_are_refused_with_token_revoked()
    {
        await using var app = await StartAsync(revocation: true);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.RedisConnectionString);
        var db = redis.GetDatabase();
        var (user, session) = (Guid.NewGuid(), Guid.NewGuid());
        var fresh = issuer.CreateToken(user, sessionId: session, securityVersion: 3);
        var otherSession = issuer.CreateToken(user, securityVersion: 3);
        var old = issuer.CreateToken(user, securityVersion: 2);
        var noVersion = issuer.CreateToken(user);

        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", fresh), Ct)).StatusCode);

        await db.StringSetAsync($"{_prefix}auth:revoked:sid:{session}", 1, TimeSpan.FromMinutes(1));
        await db.StringSetAsync($"{_prefix}auth:revoked:user:{user}", 3, TimeSpan.FromMinutes(1));

        var revokedSession = await app.Client.SendAsync(app.Get("/me", fresh), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, revokedSession.StatusCode);
        Assert.Contains("\"code\":\"token_revoked\"", await revokedSession.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", otherSession), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(app.Get("/me", old), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(app.Get("/me", noVersion), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/me", issuer.CreateToken(securityVersion: 0)), Ct)).StatusCode);
    }
}
