using System.Net;
using System.Text.Json;

namespace Campus.Gateway.Tests;

/// <summary>The reference at /api/docs and the contracts at /api/&lt;service&gt;/openapi.json (on in Development).</summary>
public sealed class ApiReferenceTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Services => new(GatewayFactory.ServiceNames);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Each_contract_is_served_without_a_token_as_committed(string service)
    {
        var response = await factory.CreateClient().GetAsync($"/api/{service}/openapi.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var served = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        using var committed = JsonDocument.Parse(await File.ReadAllTextAsync(ContractPath(service), Ct));
        Assert.True(JsonElement.DeepEquals(committed.RootElement, served.RootElement), $"{service}.json differs from libs/contracts");
        Assert.StartsWith("3.1", served.RootElement.GetProperty("openapi").GetString());
    }

    [Fact]
    public async Task The_reference_page_lists_every_contract_and_loads_its_script_from_the_gateway()
    {
        var client = factory.CreateClient();

        var response = await client.GetAsync("/api/docs", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        foreach (var service in GatewayFactory.ServiceNames)
        {
            Assert.Contains($"api/{service}/openapi.json", html, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);

        var script = await client.GetAsync("/api/docs/scalar.js", Ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/docs")]
    [InlineData("/api/docs/content")]
    [InlineData("/api/docs/scalar.js")]
    [InlineData("/api/content/openapi.json")]
    public async Task The_reference_answers_HEAD_like_GET_without_a_body(string path)
    {
        using var response = await factory.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_link_to_one_service_reference_loads_that_service_contract(string service)
    {
        var html = await factory.CreateClient().GetStringAsync($"/api/docs/{service}", Ct);

        Assert.Contains($"\"url\":\"api/{service}/openapi.json\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_start_here_document_explains_the_bearer_sign_in_flow()
    {
        var response = await factory.CreateClient().GetAsync("/api/docs/openapi.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var description = document.RootElement.GetProperty("info").GetProperty("description").GetString()!;
        foreach (var step in new[] { "/api/auth/phone/send-code", "/api/auth/phone/verify", "Authorization: Bearer", "/api/auth/token/refresh", "/api/auth/logout" })
        {
            Assert.Contains(step, description, StringComparison.Ordinal);
        }
    }

    internal static string ContractPath(string service)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Campus.slnx")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Campus.slnx not found above the test output."),
            "libs", "contracts", $"{service}.json");
    }
}

/// <summary>The gateway outside Development with <c>Gateway:ApiReference:Enabled</c> unset: nothing is served.</summary>
public sealed class ApiReferenceDisabledFactory : GatewayFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Gateway:ApiReference:Enabled"] = "false";
            return settings;
        }
    }
}

public sealed class ApiReferenceDisabledTests(ApiReferenceDisabledFactory factory) : IClassFixture<ApiReferenceDisabledFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/docs")]
    [InlineData("/api/docs/scalar.js")]
    [InlineData("/api/docs/openapi.json")]
    public async Task The_reference_is_not_served_when_disabled(string path)
    {
        var response = await factory.CreateClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/auth/openapi.json")]
    [InlineData("/api/content/openapi.json")]
    public async Task Contracts_are_ordinary_proxied_paths_when_disabled(string path)
    {
        // A token is required, as on every other route of the service.
        var response = await factory.CreateClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
