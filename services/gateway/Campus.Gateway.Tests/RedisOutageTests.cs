using System.Diagnostics;
using System.Net;
using Campus.Testing;

namespace Campus.Gateway.Tests;

/// <summary>A gateway that reaches Redis through a <see cref="TcpProxy"/>, to take Redis away and bring it back.</summary>
public sealed class RedisBehindProxyGatewayFactory : RateLimitedGatewayFactory
{
    public TcpProxy Redis { get; } = TcpProxy.For($"redis://{TestInfrastructure.RedisConnectionString}");

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["ConnectionStrings:Redis"] = $"127.0.0.1:{Redis.Port},asyncTimeout=1000,syncTimeout=1000";
            return settings;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

public sealed class RedisOutageTests(RedisBehindProxyGatewayFactory factory) : IClassFixture<RedisBehindProxyGatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_redis_requests_pass_unlimited_and_the_gateway_stays_ready_but_degraded_then_recovers()
    {
        using var client = factory.CreateClient();
        await WaitForReadinessAsync(client, "Healthy");

        factory.Redis.Stop();
        try
        {
            // Redis is soft for the gateway: not-ready would take every replica out of the Service for a cache blip.
            await WaitForReadinessAsync(client, "Degraded");
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 5; i++)
            {
                // Over the limit of 3: counted nowhere, so let through (the edge's per-IP limit still applies).
                var response = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, ("X-Forwarded-For", "203.0.113.90")), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"5 requests took {watch.Elapsed} without Redis");
        }
        finally
        {
            factory.Redis.Start();
        }

        await WaitForReadinessAsync(client, "Healthy");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, ("X-Forwarded-For", "203.0.113.91")), Ct)).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A_stalled_redis_that_still_looks_connected_fails_open_instead_of_answering_503()
    {
        using var client = factory.CreateClient();
        await WaitForReadinessAsync(client, "Healthy");

        // The connection stays up and commands time out (RedisTimeoutException, a TimeoutException): the rate limit and
        // the revocation check must let the request through, as they do when Redis is known to be down.
        factory.Redis.Stall();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var response = await client.SendAsync(GatewayRequests.Get("/api/auth/phone/send-code", null, ("X-Forwarded-For", "203.0.113.92")), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            factory.Redis.Resume();
        }
    }

    /// <summary>Waits until /readyz answers 200 with this overall status (Healthy or Degraded).</summary>
    private static Task WaitForReadinessAsync(HttpClient client, string expected)
    {
        var last = "";
        return Wait.UntilAsync(async () =>
        {
            using var response = await client.GetAsync("/readyz", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            last = $"{(int)response.StatusCode} {body}";
            return response.StatusCode == HttpStatusCode.OK && Readyz.OverallStatus(body) == expected;
        }, seconds: 20, because: () => $"/readyz is not 200 {expected} after 20 s: {last}", intervalMs: 200);
    }
}
