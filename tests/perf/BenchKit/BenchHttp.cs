using System.Net;
using System.Net.Sockets;

namespace BenchKit;

/// <summary>HTTP clients of the benchmark drivers and the small checks every driver makes on an answer.</summary>
public static class BenchHttp
{
    /// <summary>
    /// The gateway's local address as <c>./platform</c> sets it (<c>GATEWAY_OUTBOUND_ADDRESS</c>): auth believes
    /// <c>X-Forwarded-For</c> only from its trusted proxies (<c>Auth:TrustedProxies</c>), so a driver that gives each
    /// simulated client its own address connects to auth from here. From 127.0.0.1 every sign-in would count as one
    /// source, and the per-source limit (5 codes an hour) would be what the run measures.
    /// </summary>
    public const string TrustedSourceAddress = "127.0.0.10";

    /// <summary>
    /// A client with its own connection pool. <paramref name="sourceAddress"/>: the local address every connection is
    /// bound to (null or empty: the system's choice).
    /// </summary>
    public static HttpClient Create(int maxConnections, TimeSpan timeout, string? sourceAddress = null, Uri? baseAddress = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        if (!string.IsNullOrEmpty(sourceAddress))
        {
            var local = new IPEndPoint(IPAddress.Parse(sourceAddress), 0);
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(local);
                    await socket.ConnectAsync(context.DnsEndPoint, cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        var client = new HttpClient(handler) { Timeout = timeout };
        if (baseAddress is not null)
        {
            client.BaseAddress = baseAddress;
        }
        return client;
    }

    /// <summary>Throws with the status and the body when the answer is not a success.</summary>
    public static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
