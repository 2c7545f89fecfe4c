using System.Net;
using System.Text.Json;

namespace Campus.Testing;

/// <summary>
/// What every Campus host must do, checked once per host: liveness, readiness against its real dependencies,
/// Prometheus metrics with the request-duration histogram, and problem details for unknown routes.
/// Derive one class per host: <c>public sealed class AuthHostTests(AuthFactory f) : HostConformanceTests&lt;Program&gt;(f), IClassFixture&lt;AuthFactory&gt;;</c>
/// </summary>
public abstract class HostConformanceTests<TProgram>(CampusHostFactory<TProgram> factory, params string[] expectedChecks)
    where TProgram : class
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_answers_200()
    {
        var response = await factory.CreateClient().GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_200_once_its_real_dependencies_are_reachable()
    {
        using var client = factory.CreateClient();
        HttpResponseMessage response;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        // Connections are made lazily and in the background, so the first answers may still be 503.
        do
        {
            response = await client.GetAsync("/readyz", Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            await Task.Delay(250, Ct);
        }
        while (DateTime.UtcNow < deadline);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var checks = JsonDocument.Parse(body).RootElement.GetProperty("checks").EnumerateArray()
            .Select(check => check.GetProperty("name").GetString()).Order().ToArray();
        Assert.Equal(expectedChecks.Order().ToArray(), checks);
    }

    [Fact]
    public async Task Metrics_expose_the_request_duration_histogram()
    {
        using var client = factory.CreateClient();
        await client.GetAsync("/healthz", Ct);

        var metrics = "";
        for (var attempt = 0; attempt < 20 && !metrics.Contains("http_server_request_duration_seconds_bucket{"); attempt++)
        {
            await Task.Delay(100, Ct);
            metrics = await client.GetStringAsync("/metrics", Ct);
        }

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", metrics);
        Assert.Contains("http_route=\"/healthz\"", metrics);
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        var response = await factory.CreateClient().GetAsync("/no-such-route", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not_found", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString());
    }
}
