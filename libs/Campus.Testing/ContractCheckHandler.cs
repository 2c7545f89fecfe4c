namespace Campus.Testing;

/// <summary>
/// <see cref="ContractCheck"/> on the client side, for tests of the running platform: every answer to a request for
/// <c>/api/&lt;service&gt;/...</c> on <paramref name="origin"/> (the edge) is checked against
/// <c>libs/contracts/&lt;service&gt;.json</c>, whoever produced it — the service, the gateway (401, 413, 429, 503, 504) or
/// the edge (404, 413, 429, 502). A request for an operation is checked like a service's integration test checks it;
/// a path or method the contract does not list may only get what the contract says of those (404, 405) or what the
/// gateway and the edge answer for any path (<see cref="ContractCheck.Contract.Unlisted"/>). An answer that breaks the
/// contract fails the request with a <see cref="ContractViolationException"/>.
/// </summary>
/// <remarks>
/// A JSON body (or an empty one) is read into memory and checked against its schema; any other body (a stream, a file)
/// is left unread: its status, headers and media type are checked. The inner handler must not follow redirects, or
/// the 302 would never be seen: an answer that arrives from another URL than the one asked is refused.
/// Not checked: <c>/api/&lt;service&gt;/healthz</c> (the gateway's public liveness probe; the contracts leave out
/// operational paths), <c>/api/&lt;service&gt;/openapi.json</c> (the contract itself, served by the gateway's API
/// reference), paths with no contract (<c>/api/docs</c>) and requests that send <see cref="ContractCheck.ExemptHeader"/>.
/// </remarks>
/// <param name="origin">The edge: requests to another origin pass unchecked.</param>
/// <param name="inner">The handler that sends the requests (it must not follow redirects).</param>
/// <param name="countForCoverage">False for made-up answers (the check's own tests): they do not count in <see cref="ContractCoverage"/>.</param>
public sealed class ContractCheckHandler(Uri origin, HttpMessageHandler inner, bool countForCoverage = true) : DelegatingHandler(inner)
{
    private static readonly string[] OutsideContracts = ["healthz", "openapi.json"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var asked = request.RequestUri;
        var response = await base.SendAsync(request, cancellationToken);
        if (asked is null || !SameOrigin(asked, origin) || request.Headers.Contains(ContractCheck.ExemptHeader)
            || ContractOf(asked.AbsolutePath) is not { } contract)
        {
            return response;
        }
        if (response.RequestMessage?.RequestUri is { } answered && answered != asked)
        {
            response.Dispose();
            throw new InvalidOperationException(
                $"{request.Method} {asked.AbsolutePath} was redirected to {answered.GetLeftPart(UriPartial.Path)} by the client: " +
                "a client whose answers are checked against the contracts must not follow redirects.");
        }

        var path = asked.AbsolutePath;
        var operation = contract.Find(request.Method.Method, path) ?? contract.Unlisted(request.Method.Method, path);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        byte[]? body = null;
        if (mediaType is null || mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var status = (int)response.StatusCode;
        var problems = contract.Check(operation, status, response.Content.Headers.ContentType?.ToString(), Headers(response), body,
            request.Method.Method);
        if (countForCoverage)
        {
            ContractCoverage.Record(contract, operation, status);
        }
        if (problems.Count > 0)
        {
            response.Dispose();
            throw ContractViolationException.Of(contract, $"{request.Method} {path}{asked.Query}", operation,
                $"{status} through {origin.Authority}", problems, body);
        }
        return response;
    }

    /// <summary>The contract of <c>/api/&lt;service&gt;/...</c>, unless the path is one the contracts leave out.</summary>
    private static ContractCheck.Contract? ContractOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || segments[0] != "api"
            || (segments.Length == 3 && OutsideContracts.Contains(segments[2], StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }
        return ContractCheck.ForService(segments[1]);
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static Dictionary<string, string> Headers(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat<KeyValuePair<string, IEnumerable<string>>>(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }
        return headers;
    }
}
