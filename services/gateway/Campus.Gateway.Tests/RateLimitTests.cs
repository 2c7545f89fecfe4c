using System.Net;
using Campus.Testing;

namespace Campus.Gateway.Tests;

/// <summary>A gateway with tiny limits: 3 requests a minute per IP on auth, 3 per user.</summary>
public class RateLimitedGatewayFactory : GatewayFactory
{
    /// <summary>The Redis key prefix; a second replica uses the same one.</summary>
    public string RedisPrefix { get; init; } = $"t{Guid.NewGuid():N}:";

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Redis:KeyPrefix"] = RedisPrefix;
            settings["Gateway:RateLimits:AuthPerIp:PermitLimit"] = "3";
            settings["Gateway:RateLimits:AuthPerIp:Window"] = "00:01:00";
            settings["Gateway:RateLimits:PerUser:PermitLimit"] = "3";
            settings["Gateway:RateLimits:PerUser:Window"] = "00:01:00";
            return settings;
        }
    }
}

/// <summary>Two gateway replicas sharing one Redis key space.</summary>
public sealed class TwoReplicas : IAsyncLifetime
{
    public RateLimitedGatewayFactory First { get; } = new();

    public RateLimitedGatewayFactory Second { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await First.InitializeAsync();
        Second = new RateLimitedGatewayFactory { RedisPrefix = First.RedisPrefix };
        await Second.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }
}

public sealed class RateLimitTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RateLimitedGatewayFactory Gateway => replicas.First;

    /// <summary>Each test is its own client address (the edge's X-Forwarded-For), so tests do not share counters.</summary>
    private static (string, string) From(string ip) => ("X-Forwarded-For", ip);

    [Fact]
    public async Task Auth_burst_from_one_ip_gets_429_with_retry_after_and_a_problem()
    {
        using var client = Gateway.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From("203.0.113.10")), Ct)).StatusCode);
        }

        var limited = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From("203.0.113.10")), Ct);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rate_limited", Problems.Code(await limited.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task Another_ip_is_not_affected()
    {
        using var client = Gateway.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From("203.0.113.20")), Ct);
        }

        var other = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From("203.0.113.21")), Ct);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Ipv6_clients_are_counted_by_their_64_prefix_as_auth_counts_its_sources()
    {
        using var client = Gateway.CreateClient();
        var site = $"2001:db8:{Random.Shared.Next(0x10000):x}";
        var prefix = $"{site}:1";
        for (var i = 1; i <= 3; i++)
        {
            // A fresh address of the same /64 for every request, as one subscriber can take.
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From($"{prefix}::{i:x}")), Ct)).StatusCode);
        }

        var limited = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From($"{prefix}:1:2:3:4")), Ct);
        var nextPrefix = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, From($"{site}:2::1")), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", Problems.Code(await limited.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(HttpStatusCode.OK, nextPrefix.StatusCode);
    }

    [Fact]
    public async Task The_limit_holds_across_gateway_replicas()
    {
        using var first = replicas.First.CreateClient();
        using var second = replicas.Second.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var replica = i % 2 == 0 ? first : second;
            Assert.Equal(HttpStatusCode.OK, (await replica.SendAsync(GatewayRequests.Get("/api/auth/token/refresh", null, From("203.0.113.30")), Ct)).StatusCode);
        }

        var limited = await second.SendAsync(GatewayRequests.Get("/api/auth/token/refresh", null, From("203.0.113.30")), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }

    [Fact]
    public async Task Service_health_through_the_gateway_is_not_limited()
    {
        using var client = Gateway.CreateClient();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/auth/healthz", null, From("203.0.113.40")), Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Authenticated_routes_are_limited_per_user()
    {
        using var client = Gateway.CreateClient();
        var busy = Gateway.Jwt.CreateToken(Guid.NewGuid());
        for (var i = 0; i < 3; i++)
        {
            // Different client addresses: the limit follows the user, not the address.
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(GatewayRequests.Get("/api/content/courses", busy, From($"203.0.113.{50 + i}")), Ct)).StatusCode);
        }

        var limited = await client.SendAsync(GatewayRequests.Get("/api/content/courses", busy, From("203.0.113.60")), Ct);
        var otherUser = await client.SendAsync(GatewayRequests.Get("/api/content/courses", Gateway.Jwt.CreateToken(Guid.NewGuid()), From("203.0.113.60")), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal("rate_limited", Problems.Code(await limited.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }
}
