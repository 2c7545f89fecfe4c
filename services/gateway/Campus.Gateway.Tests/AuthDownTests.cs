using System.Net;

namespace Campus.Gateway.Tests;

/// <summary>The gateway with the auth service's key set unreachable (auth down or not started yet).</summary>
public sealed class AuthDownGatewayFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Jwt:JwksUrl"] = "http://127.0.0.1:9/api/auth/.well-known/jwks.json";
            return settings;
        }
    }
}

public sealed class AuthDownTests(AuthDownGatewayFactory factory) : IClassFixture<AuthDownGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gateway_starts_and_serves_public_routes_while_the_key_set_is_unreachable()
    {
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/phone/send-code", Ct)).StatusCode);
    }

    [Fact]
    public async Task Protected_route_answers_401_not_500_while_the_key_set_is_unreachable()
    {
        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/profile/x", factory.Jwt.CreateToken()), Ct);

        await AuthenticationTests.AssertInvalidTokenAsync(response);
    }
}

public sealed class StartupValidationTests
{
    [Fact]
    public async Task Clock_skew_over_30_seconds_stops_the_gateway_at_start()
    {
        await using var factory = new LargeSkewGatewayFactory();
        await factory.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Jwt:ClockSkew", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class LargeSkewGatewayFactory : GatewayFactory
    {
        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Jwt:ClockSkew"] = "00:01:00";
                return settings;
            }
        }
    }
}
