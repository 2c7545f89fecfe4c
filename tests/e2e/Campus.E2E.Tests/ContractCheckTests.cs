using System.Net;
using System.Text;
using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// The check every client of the suite carries (<see cref="ContractCheckHandler"/>), on made-up answers of the edge, so
/// that it is known to refuse what it must: these need no running platform.
/// </summary>
public sealed class ContractCheckTests
{
    private static readonly Uri Edge = new("http://edge.test/");
    private const string Problem = """{"type":"about:blank","title":"Not Found","status":404,"code":"not_found","trace_id":"0af7651916cd43dd8448eb211c80319c"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_documented_answer_passes()
    {
        using var response = await SendAsync(HttpMethod.Get, "api/content/courses/8b0c3f53-5a43-4a4b-9a52-8c5d1ab1b9f2", Answer(HttpStatusCode.NotFound, Problem));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_status_the_operation_does_not_document_is_refused()
    {
        var error = await Assert.ThrowsAsync<ContractViolationException>(() =>
            SendAsync(HttpMethod.Get, "api/profile", Answer(HttpStatusCode.Conflict, Problem.Replace("404", "409"))));

        Assert.Contains("status 409 is not documented", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_undeclared_member_of_a_problem_is_refused()
    {
        var error = await Assert.ThrowsAsync<ContractViolationException>(() =>
            SendAsync(HttpMethod.Get, "api/profile", Answer(HttpStatusCode.InternalServerError, Problem.Replace("}", ""","stack":"at ..."}"""))));

        Assert.Contains("body at $.stack", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_without_retry_after_is_refused()
    {
        var error = await Assert.ThrowsAsync<ContractViolationException>(() =>
            SendAsync(HttpMethod.Post, "api/auth/phone/send-code", Answer(HttpStatusCode.TooManyRequests, Problem.Replace("404", "429"))));

        Assert.Contains("Retry-After", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_the_contract_does_not_list_may_answer_a_404_problem_but_not_a_200()
    {
        using var notFound = await SendAsync(HttpMethod.Get, "api/profile/no-such-thing", Answer(HttpStatusCode.NotFound, Problem));
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);

        var error = await Assert.ThrowsAsync<ContractViolationException>(() =>
            SendAsync(HttpMethod.Get, "api/profile/no-such-thing", Answer(HttpStatusCode.OK, """{"id":1}""")));
        Assert.Contains("a path the contract does not list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_a_listed_path_does_not_have_answers_405_with_allow()
    {
        using var allowed = Answer(HttpStatusCode.MethodNotAllowed, Problem.Replace("404", "405"));
        allowed.Content.Headers.Allow.Add("GET");
        using var response = await SendAsync(HttpMethod.Delete, "api/profile/history", allowed);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);

        await Assert.ThrowsAsync<ContractViolationException>(() =>
            SendAsync(HttpMethod.Delete, "api/profile/history", Answer(HttpStatusCode.MethodNotAllowed, Problem.Replace("404", "405"))));
    }

    [Fact]
    public async Task A_redirect_to_storage_is_checked_for_its_status_and_headers()
    {
        const string path = "api/content/documents/8b0c3f53-5a43-4a4b-9a52-8c5d1ab1b9f2/download";
        HttpResponseMessage Redirect(bool cacheControl)
        {
            var redirect = new HttpResponseMessage(HttpStatusCode.Found) { Content = new ByteArrayContent([]) };
            redirect.Headers.Location = new Uri("http://127.0.0.1:4569/campus-content/checked/x?X-Amz-Expires=600");
            if (cacheControl)
            {
                redirect.Headers.CacheControl = new() { NoStore = true };
            }
            return redirect;
        }

        using var response = await SendAsync(HttpMethod.Get, path, Redirect(cacheControl: true));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => SendAsync(HttpMethod.Get, path, Redirect(cacheControl: false)));
        Assert.Contains("Cache-Control", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operational_paths_and_other_origins_are_not_checked()
    {
        using var healthz = await SendAsync(HttpMethod.Get, "api/auth/healthz", Answer(HttpStatusCode.OK, "Healthy", "text/plain"));
        using var elsewhere = await SendAsync(HttpMethod.Get, "http://127.0.0.1:1/api/profile", Answer(HttpStatusCode.Conflict, Problem));

        Assert.Equal(HttpStatusCode.Conflict, elsewhere.StatusCode);
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType = "application/problem+json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpResponseMessage answer)
    {
        using var client = new HttpClient(new ContractCheckHandler(Edge, new Canned(answer), countForCoverage: false));
        return await client.SendAsync(new HttpRequestMessage(method, new Uri(Edge, path)), Ct);
    }

    /// <summary>Answers every request with one made-up response.</summary>
    private sealed class Canned(HttpResponseMessage answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            answer.RequestMessage = request;
            return Task.FromResult(answer);
        }
    }
}
