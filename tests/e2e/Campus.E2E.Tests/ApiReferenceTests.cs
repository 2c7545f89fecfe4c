using System.Net;
using System.Text.Json;

namespace Campus.E2E.Tests;

/// <summary>
/// The API reference through the edge (the platform runs the gateway in Development, where it is on): the page at
/// <c>/api/docs</c> with its own Content-Security-Policy, its script from the gateway, and every service's contract at
/// <c>/api/&lt;service&gt;/openapi.json</c> without a token.
/// </summary>
public sealed class ApiReferenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_reference_page_and_its_script_are_served_through_the_edge_with_the_page_policy()
    {
        using var first = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, "api/docs"), Ct);
        var page = first;
        using var redirected = first.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently
            ? await Http.Client.GetAsync(new Uri(new Uri(Platform.EdgeUrl, "api/docs"), first.Headers.Location!), Ct)
            : null;
        page = redirected ?? first;

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Ct);
        foreach (var service in Platform.Services)
        {
            Assert.Contains($"api/{service}/openapi.json", html, StringComparison.Ordinal);
        }
        // One policy, the gateway's: the edge's strict API policy would stop the page's scripts.
        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));

        using var script = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, "api/docs/scalar.js"), Ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_contract_is_served_without_a_token_with_the_strict_api_policy()
    {
        foreach (var service in Platform.Services)
        {
            using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, $"api/{service}/openapi.json"), Ct);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service}: {(int)response.StatusCode}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal($"Campus {char.ToUpperInvariant(service[0])}{service[1..]} API",
                document.RootElement.GetProperty("info").GetProperty("title").GetString());
            Assert.Equal("default-src 'none'; frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        }

        using var intro = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, "api/docs/openapi.json"), Ct);
        Assert.Equal(HttpStatusCode.OK, intro.StatusCode);
        Assert.Contains("/api/auth/token/refresh", await intro.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/docs")]
    [InlineData("api/docs/scalar.js")]
    [InlineData("api/content/openapi.json")]
    public async Task The_reference_answers_HEAD_like_GET_through_the_edge(string path)
    {
        using var get = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, path), Ct);
        using var head = await Http.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(Platform.EdgeUrl, path)), Ct);

        // The same answer as GET (the page itself may redirect to its own path first), never 405.
        Assert.True(get.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found or HttpStatusCode.MovedPermanently, $"GET {path}: {get.StatusCode}");
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Headers.Location, head.Headers.Location);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
    }
}
