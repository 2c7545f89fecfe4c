using System.Net;
using Campus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Campus.Gateway.Tests;

/// <summary>A stand-in for a Campus service on real HTTP: it answers every request with the path it received.</summary>
public sealed class UpstreamService : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _app = await LoopbackServer.StartAsync(app =>
            app.Run(context => context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}")));
        Address = _app.Address();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The gateway with every cluster pointed at one <see cref="UpstreamService"/>, except chat, pointed at a closed port.</summary>
public sealed class GatewayFactory : CampusHostFactory<Program>
{
    public UpstreamService Upstream { get; } = new();

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            foreach (var service in RoutingTests.Services)
            {
                settings[$"ReverseProxy:Clusters:{service}:Destinations:default:Address"] =
                    service == "chat" ? "http://127.0.0.1:9/" : Upstream.Address;
            }
            return settings;
        }
    }

    public override async ValueTask InitializeAsync()
    {
        await Upstream.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

public sealed class RoutingTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    public static readonly string[] Services = ["auth", "profile", "content", "notifications", "chat", "analytics"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("auth")]
    [InlineData("profile")]
    [InlineData("content")]
    [InlineData("notifications")]
    [InlineData("analytics")]
    public async Task Service_healthz_is_routed_to_the_service_healthz(string service)
    {
        var body = await factory.CreateClient().GetStringAsync($"/api/{service}/healthz", Ct);

        Assert.Equal("GET /healthz", body);
    }

    [Fact]
    public async Task Api_paths_reach_the_service_unchanged_with_their_query()
    {
        var response = await factory.CreateClient().PostAsync("/api/content/courses/42/publish?notify=true", null, Ct);

        Assert.Equal("POST /api/content/courses/42/publish?notify=true", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/api/auth/readyz")]
    [InlineData("/api/auth/metrics")]
    public async Task Readyz_and_metrics_are_not_rewritten_to_the_service_operational_endpoints(string path)
    {
        // They reach the service under their public path, where no Campus service maps anything.
        var body = await factory.CreateClient().GetStringAsync(path, Ct);

        Assert.Equal($"GET {path}", body);
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
        var response = await factory.CreateClient().GetAsync("/api/chat/chats", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class HostTests(GatewayFactory factory) : HostConformanceTests<Program>(factory), IClassFixture<GatewayFactory>;
