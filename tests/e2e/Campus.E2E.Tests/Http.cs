using Campus.Testing;

namespace Campus.E2E.Tests;

/// <summary>
/// The suite's HTTP clients. Every answer through the edge for <c>/api/&lt;service&gt;/...</c> is checked against that
/// service's committed contract (<see cref="ContractCheckHandler"/>): a client of the edge is made here, never with
/// <c>new HttpClient()</c>.
/// </summary>
internal static class Http
{
    /// <summary>One client for most requests (no cookies, no redirects, short timeout).</summary>
    public static HttpClient Client { get; } = Create(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) });

    /// <summary>
    /// A client whose answers from the edge are checked against the contracts; <paramref name="handler"/> (its own
    /// source address, say) is made not to follow redirects nor keep cookies, so each answer is the one the edge gave.
    /// </summary>
    public static HttpClient Create(SocketsHttpHandler handler, TimeSpan? timeout = null)
    {
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        return new HttpClient(new ContractCheckHandler(Platform.EdgeUrl, handler)) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }

    /// <summary>GET a URL and return the status and body; a refused connection is reported as status 0.</summary>
    public static async Task<(int Status, string Body)> TryGetAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.GetAsync(url, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, "timeout: " + ex.Message);
        }
    }
}
