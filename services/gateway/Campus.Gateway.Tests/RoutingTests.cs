using System.Net;
using Campus.Testing;

namespace Campus.Gateway.Tests;

public sealed class RoutingTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("auth")]
    [InlineData("profile")]
    [InlineData("content")]
    [InlineData("notifications")]
    [InlineData("analytics")]
    public async Task Service_healthz_is_routed_to_the_service_healthz_without_a_token(string service)
    {
        var body = await factory.CreateClient().GetStringAsync($"/api/{service}/healthz", Ct);

        Assert.Equal("GET /healthz", body);
    }

    [Fact]
    public async Task Api_paths_reach_the_service_unchanged_with_their_query()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/content/courses/42/publish?notify=true");
        request.Headers.Authorization = new("Bearer", factory.Jwt.CreateToken());

        var response = await factory.CreateClient().SendAsync(request, Ct);

        Assert.Equal("POST /api/content/courses/42/publish?notify=true", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/api/auth/readyz")]
    [InlineData("/api/auth/metrics")]
    public async Task Readyz_and_metrics_are_not_rewritten_to_the_service_operational_endpoints(string path)
    {
        // They reach the service under their public path, where no Campus service maps anything.
        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get(path, factory.Jwt.CreateToken()), Ct);

        Assert.Equal($"GET {path}", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Unknown_service_is_a_404_problem()
    {
        var response = await factory.CreateClient().GetAsync("/api/payroll/anything", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unreachable_service_is_a_502_problem()
    {
        var response = await factory.CreateClient().SendAsync(GatewayRequests.Get("/api/chat/chats", factory.Jwt.CreateToken()), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The code the edge gives its own 502 and the contracts document.
        Assert.Equal("bad_gateway", Problems.Code(await response.Content.ReadAsStringAsync(Ct)));
    }
}

public sealed class HostTests(GatewayFactory factory) : HostConformanceTests<Program>(factory, "redis"), IClassFixture<GatewayFactory>;
