using System.Net;

namespace Campus.E2E.Tests;

/// <summary>The public entry point: nginx edge → YARP gateway → service.</summary>
public sealed class EdgeTests
{
    public static TheoryData<string> Services => new(Platform.Services);

    public static TheoryData<string, string> PrivateEndpoints
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var service in Platform.Services)
            {
                data.Add(service, "readyz");
                data.Add(service, "metrics");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Healthz_of_each_service_answers_200_through_the_edge(string service)
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, $"api/{service}/healthz"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(PrivateEndpoints))]
    public async Task Readyz_and_metrics_are_not_reachable_through_the_edge(string service, string endpoint)
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, $"api/{service}/{endpoint}"), TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("http_server_request_duration_seconds", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-page")]
    [InlineData("api")]
    [InlineData("api/no-such-service/anything")]
    public async Task Unknown_path_answers_404_problem_json(string path)
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, path), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":404", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>
    /// The edge's own errors are problem+json whatever the path's extension (nginx would otherwise pick image/jpeg or
    /// text/html from it), and carry the trace id of the request.
    /// </summary>
    [Theory]
    [InlineData("photo.jpg")]
    [InlineData("anim.gif")]
    [InlineData("index.html")]
    [InlineData("api/auth/readyz/x.css")]
    [InlineData("api/auth/dev/sms.js")]
    public async Task An_edge_error_is_problem_json_with_a_trace_id_whatever_the_extension(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, path), ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
    }

    [Theory]
    [InlineData("api/auth/healthz")]
    [InlineData("no-such-page")]
    public async Task Security_headers_are_on_every_response(string path)
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, path), TestContext.Current.CancellationToken);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
    }

    /// <summary>
    /// Requests nginx answers itself, before the gateway, sent as raw bytes (HttpClient would refuse to send most):
    /// each answer is a problem+json with a code, not nginx's HTML page.
    /// </summary>
    [Theory]
    [InlineData("GET /api/auth/healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request")]
    [InlineData("GET /api/auth/healthz HTTP/1.1\r\nHost: a\r\nX-Big: {big}\r\n\r\n", 400, "bad_request")]
    [InlineData("TRACE /api/auth/healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 405, "method_not_allowed")]
    [InlineData("GET /api/{big} HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long")]
    [InlineData("POST /api/auth/healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not_implemented")]
    public async Task Errors_of_the_edge_itself_are_problem_json(string request, int status, string code)
    {
        var ct = TestContext.Current.CancellationToken;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Platform.EdgeUrl.Host, Platform.EdgeUrl.Port, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request.Replace("{big}", new string('a', 20_000), StringComparison.Ordinal)), ct);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var answer = await reader.ReadToEndAsync(timeout.Token);

        Assert.StartsWith($"HTTP/1.1 {status} ", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"\"code\":\"{code}\"", answer, StringComparison.Ordinal);
        Assert.Matches("\"trace_id\":\"[0-9a-f]{32}\"", answer);
        Assert.Contains("X-Content-Type-Options: nosniff", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<html>", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Server_header_does_not_reveal_a_version()
    {
        using var response = await Http.Client.GetAsync(new Uri(Platform.EdgeUrl, "no-such-page"), TestContext.Current.CancellationToken);

        Assert.All(response.Headers.Server, server => Assert.Null(server.Product?.Version));
    }

    [Fact]
    public async Task Body_over_10_MB_is_refused_with_413()
    {
        using var content = new ByteArrayContent(new byte[(10 * 1024 * 1024) + 1]);

        using var response = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/content/healthz"), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"trace_id\":", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_routes_are_rate_limited_per_client_with_429_problem_json()
    {
        var ct = TestContext.Current.CancellationToken;
        var url = new Uri(Platform.EdgeUrl, "api/auth/healthz");

        // Well past the edge's burst (20 r/s, burst 40), all at once, from a client address of this test's own: the
        // limit is per client address, so the bucket it empties is nobody else's and needs no time to refill.
        using var client = GatewayEdgeTests.ClientFrom($"127.0.{Random.Shared.Next(100, 200)}.{Random.Shared.Next(1, 255)}");
        var responses = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => client.GetAsync(url, ct)));
        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(limited);
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
            Assert.True(limited[0].Headers.Contains("Retry-After"));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
