using System.Net;
using Campus.Testing;
using StackExchange.Redis;

namespace Campus.Gateway.Tests;

/// <summary>A gateway whose Redis key prefix is known, so a test can write the deny-list as auth does.</summary>
public sealed class RevokingGatewayFactory : GatewayFactory
{
    public string RedisPrefix { get; init; } = $"t{Guid.NewGuid():N}:";

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Redis:KeyPrefix"] = RedisPrefix;
            return settings;
        }
    }
}

/// <summary>Revoked access tokens (auth's Redis deny-list) are refused on every authenticated request and handshake.</summary>
public sealed class RevocationTests(RevokingGatewayFactory gateway) : IClassFixture<RevokingGatewayFactory>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync() =>
        _redis = await ConnectionMultiplexer.ConnectAsync(Campus.Testing.TestInfrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    private Task RevokeSessionAsync(Guid sid) =>
        _redis.GetDatabase().StringSetAsync($"{gateway.RedisPrefix}auth:revoked:sid:{sid}", 1, TimeSpan.FromMinutes(1));

    private Task RevokeUserBelowAsync(Guid user, long version) =>
        _redis.GetDatabase().StringSetAsync($"{gateway.RedisPrefix}auth:revoked:user:{user}", version, TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Token_of_a_revoked_session_gets_401_token_revoked_and_other_sessions_pass()
    {
        var (user, session) = (Guid.NewGuid(), Guid.NewGuid());
        var token = gateway.Jwt.CreateToken(user, sessionId: session);
        var otherSession = gateway.Jwt.CreateToken(user);
        using var client = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/profile/me", token), Ct)).StatusCode);

        await RevokeSessionAsync(session);
        var refused = await client.SendAsync(GatewayRequests.Get("/api/profile/me", token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("token_revoked", Problems.Code(await refused.Content.ReadAsStringAsync(Ct)));
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/profile/me", otherSession), Ct)).StatusCode);
    }

    [Fact]
    public async Task Tokens_below_the_users_security_version_are_refused_and_newer_ones_pass()
    {
        var user = Guid.NewGuid();
        var old = gateway.Jwt.CreateToken(user, securityVersion: 1);
        var current = gateway.Jwt.CreateToken(user, securityVersion: 2);
        using var client = gateway.CreateClient();

        await RevokeUserBelowAsync(user, 2);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(GatewayRequests.Get("/api/content/courses", old), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/content/courses", current), Ct)).StatusCode);
    }

    [Fact]
    public async Task Revoked_token_cannot_open_a_websocket()
    {
        var session = Guid.NewGuid();
        var token = gateway.Jwt.CreateToken(sessionId: session);
        await RevokeSessionAsync(session);

        var status = await WebSocketTests.RefusedStatusAsync(new Uri($"ws://{gateway.BaseAddress.Authority}/ws/chats/42"), socket =>
        {
            socket.Options.AddSubProtocol("campus.v1");
            socket.Options.AddSubProtocol($"bearer.{token}");
        });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}
