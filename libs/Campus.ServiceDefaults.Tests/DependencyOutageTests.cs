using System.Net;
using System.Text.Json;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using StackExchange.Redis;

namespace Campus.ServiceDefaults.Tests;

/// <summary>A dependency that is down is a 503 with its own code and Retry-After, never a 500; a soft one leaves the host ready.</summary>
public sealed class DependencyOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Port 9 (discard) has no listener on the build machines: connections are refused at once.
    private static readonly Dictionary<string, string?> Unreachable = new()
    {
        ["ConnectionStrings:Database"] = "Host=127.0.0.1;Port=9;Username=campus;Database=postgres;Timeout=2",
        ["ConnectionStrings:Redis"] = "127.0.0.1:9,connectTimeout=500",
    };

    [Fact]
    public async Task Postgres_down_is_503_database_unavailable_with_retry_after()
    {
        await using var app = await TestApp.StartAsync(Unreachable, builder => builder.AddCampusPostgres(),
            map: a => a.MapGet("/rows", async (NpgsqlDataSource db) => await db.CreateCommand("SELECT 1").ExecuteScalarAsync()));

        var response = await app.Client.GetAsync("/rows", Ct);

        await AssertOutageAsync(response, "database_unavailable", retryAfter: "5");
    }

    [Fact]
    public async Task Redis_down_is_503_cache_unavailable()
    {
        await using var app = await TestApp.StartAsync(Unreachable, builder => builder.AddCampusRedis(),
            map: a => a.MapGet("/count", async (IDatabase redis) => (long)await redis.StringIncrementAsync("n")));

        var response = await app.Client.GetAsync("/count", Ct);

        await AssertOutageAsync(response, "cache_unavailable", retryAfter: "5");
    }

    [Fact]
    public async Task Retry_after_follows_the_setting()
    {
        var settings = new Dictionary<string, string?>(Unreachable) { ["Outages:RetryAfter"] = "00:00:30" };
        await using var app = await TestApp.StartAsync(settings, builder => builder.AddCampusPostgres(),
            map: a => a.MapGet("/rows", async (NpgsqlDataSource db) => await db.CreateCommand("SELECT 1").ExecuteScalarAsync()));

        var response = await app.Client.GetAsync("/rows", Ct);

        await AssertOutageAsync(response, "database_unavailable", retryAfter: "30");
    }

    [Fact]
    public async Task A_query_error_of_a_reachable_database_stays_a_500()
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString("postgres") };
        await using var app = await TestApp.StartAsync(settings, builder => builder.AddCampusPostgres(),
            map: a => a.MapGet("/rows", async (NpgsqlDataSource db) => await db.CreateCommand("SELECT 1/0").ExecuteScalarAsync()));

        var response = await app.Client.GetAsync("/rows", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("internal_error", await CodeAsync(response));
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task A_soft_dependency_down_leaves_readyz_200_degraded_and_sets_its_metric_to_0()
    {
        await using var app = await TestApp.StartAsync(Unreachable, builder =>
        {
            builder.AddSoftDependencies("redis");
            builder.AddCampusRedis();
            builder.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Healthy(), [HealthEndpoints.ReadyTag]);
        });

        var ready = await app.Client.GetAsync("/readyz", Ct);

        var body = await ready.Content.ReadAsStringAsync(Ct);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Degraded", root.GetProperty("status").GetString());
        var redis = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis");
        Assert.Equal("Degraded", redis.GetProperty("status").GetString());
        Assert.False(redis.GetProperty("required").GetBoolean());
        Assert.Contains("Redis is not reachable", redis.GetProperty("description").GetString());

        // The exporter caches a scrape briefly; ask until the gauge shows up.
        var metrics = "";
        await Wait.UntilAsync(async () =>
        {
            metrics = await app.Client.GetStringAsync("/metrics", Ct);
            return metrics.Contains("campus_dependency_up{", StringComparison.Ordinal);
        });
        var lines = metrics.Split('\n').Where(line => line.StartsWith("campus_dependency_up{", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, line => line.Contains("dependency=\"redis\"") && line.Contains("required=\"false\"") && line.EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("dependency=\"database\"") && line.Contains("required=\"true\"") && line.EndsWith(" 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hard_dependency_down_still_makes_readyz_503()
    {
        await using var app = await TestApp.StartAsync(Unreachable, builder =>
        {
            builder.AddSoftDependencies("redis");
            builder.AddCampusPostgres().AddCampusRedis();
        });

        var ready = await app.Client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var root = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("Unhealthy", checks["postgres"].GetProperty("status").GetString());
        Assert.True(checks["postgres"].GetProperty("required").GetBoolean());
        Assert.Equal("Degraded", checks["redis"].GetProperty("status").GetString());
    }

    private static async Task AssertOutageAsync(HttpResponseMessage response, string code, string retryAfter)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, await CodeAsync(response));
        Assert.Equal(retryAfter, response.Headers.GetValues("Retry-After").Single());
    }
}
