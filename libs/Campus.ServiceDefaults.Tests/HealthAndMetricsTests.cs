using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Campus.Testing;

namespace Campus.ServiceDefaults.Tests;

public sealed class HealthAndMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_is_200_even_when_a_dependency_is_down_and_readyz_names_it_with_503()
    {
        await using var app = await TestApp.StartAsync(configure: builder => builder.Services.AddHealthChecks()
            .AddCheck("broker", () => HealthCheckResult.Unhealthy("broker is down"), [HealthEndpoints.ReadyTag])
            .AddCheck("cache", () => HealthCheckResult.Healthy(), [HealthEndpoints.ReadyTag]));

        var live = await app.Client.GetAsync("/healthz", Ct);
        var ready = await app.Client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        var failing = body.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("status").GetString() == "Unhealthy");
        Assert.Equal("broker", failing.GetProperty("name").GetString());
        Assert.Equal("broker is down", failing.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Readyz_checks_the_real_postgres_and_redis()
    {
        await using var app = await TestApp.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:Database"] = TestInfrastructure.PostgresConnectionString("postgres"),
                ["ConnectionStrings:Redis"] = TestInfrastructure.RedisConnectionString,
            },
            configure: builder => builder.AddCampusPostgres().AddCampusRedis());

        var ready = await app.Client.GetAsync("/readyz", Ct);

        var body = await ready.Content.ReadAsStringAsync(Ct);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("\"postgres\"", body);
        Assert.Contains("\"redis\"", body);
    }

    [Fact]
    public async Task Readyz_is_503_naming_postgres_and_redis_when_they_cannot_be_reached()
    {
        // Port 9 (discard) has no listener on the build machines: connections are refused at once.
        await using var app = await TestApp.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:Database"] = "Host=127.0.0.1;Port=9;Username=campus;Database=postgres;Timeout=2",
                ["ConnectionStrings:Redis"] = "127.0.0.1:9,connectTimeout=500",
            },
            configure: builder => builder.AddCampusPostgres().AddCampusRedis());

        var ready = await app.Client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("checks")
            .EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks["postgres"]);
        Assert.Equal("Unhealthy", checks["redis"]);
    }

    [Fact]
    public async Task Metrics_has_the_request_duration_histogram_by_route_and_status_and_runtime_metrics()
    {
        await using var app = await TestApp.StartAsync(map: a => a.MapGet("/courses/{id}", (int id) => id));
        await app.Client.GetAsync("/courses/7", Ct);

        // The exporter caches a scrape briefly; ask until the request shows up.
        var metrics = "";
        for (var attempt = 0; attempt < 20 && !metrics.Contains("http_route=\"/courses/{id}\""); attempt++)
        {
            await Task.Delay(100, Ct);
            metrics = await app.Client.GetStringAsync("/metrics", Ct);
        }

        var bucket = metrics.Split('\n').FirstOrDefault(line =>
            line.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/courses/{id}\"") && line.Contains("http_response_status_code=\"200\""));
        Assert.NotNull(bucket);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", metrics);
        Assert.Contains("dotnet_gc_", metrics);
    }

    [Fact]
    public async Task Missing_connection_string_stops_the_host_at_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestApp.StartAsync(configure: builder => builder.AddCampusPostgres()));

        Assert.Contains("ConnectionStrings:Database", error.Message);
    }
}
