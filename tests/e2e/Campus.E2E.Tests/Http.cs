namespace Campus.E2E.Tests;

/// <summary>One HTTP client for the suite (no cookies, no redirects, short timeout).</summary>
internal static class Http
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

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
