using System.Net;
using System.Net.Sockets;

namespace Campus.Testing;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a real server, to simulate its outage: <see cref="Stop"/> drops every
/// live connection and refuses new ones, <see cref="Start"/> listens again on the same port. From the client's side
/// that is exactly the server going away and coming back, while the real server keeps its state.
/// </summary>
/// <example>
/// <code>
/// await using var proxy = new TcpProxy("127.0.0.1", 5673);
/// var uri = proxy.Rewrite(TestInfrastructure.RabbitMqUri);  // amqp://guest:guest@127.0.0.1:&lt;proxy port&gt;/
/// proxy.Stop(); ... proxy.Start();
/// </code>
/// </example>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly DnsEndPoint _target;
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _sockets = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _running;
    private volatile bool _stalled;

    /// <summary>Creates the proxy and starts it on a free port.</summary>
    public TcpProxy(string targetHost, int targetPort)
    {
        _target = new DnsEndPoint(targetHost, targetPort);
        Start();
    }

    /// <summary>A proxy in front of the server of <paramref name="uri"/> (e.g. <see cref="TestInfrastructure.RabbitMqUri"/>).</summary>
    public static TcpProxy For(string uri)
    {
        var target = new Uri(uri);
        return new TcpProxy(target.Host, target.Port);
    }

    /// <summary>The port the proxy listens on; the same across Stop/Start.</summary>
    public int Port { get; private set; }

    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _listener is not null;
            }
        }
    }

    /// <summary>
    /// Holds every byte in both directions while keeping the connections open, as a hung or partitioned server does:
    /// the client sees no disconnect, only commands that never answer. <see cref="Resume"/> lets the bytes through.
    /// </summary>
    public void Stall() => _stalled = true;

    public void Resume() => _stalled = false;

    /// <summary><paramref name="uri"/> with its host and port replaced by the proxy's.</summary>
    public string Rewrite(string uri) => new UriBuilder(uri) { Host = "127.0.0.1", Port = Port }.Uri.ToString();

    public void Start()
    {
        lock (_lock)
        {
            if (_listener is not null)
            {
                return;
            }
            var listener = new TcpListener(IPAddress.Loopback, Port);
            // The port still has connections in TIME_WAIT from before Stop(); allow listening on it again.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _running = new CancellationTokenSource();
            _ = AcceptLoopAsync(listener, _running.Token);
        }
    }

    /// <summary>Closes the listener and every forwarded connection; new connections are refused until <see cref="Start"/>.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            if (_listener is null)
            {
                return;
            }
            _running!.Cancel();
            _running.Dispose();
            _running = null;
            _listener.Stop();
            _listener = null;
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
            _sockets.Clear();
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = ForwardAsync(client, stopping);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken stopping)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        if (!Track(client) || !Track(upstream))
        {
            client.Dispose();
            upstream.Dispose();
            return;
        }
        try
        {
            await upstream.ConnectAsync(_target, stopping);
            await Task.WhenAny(PumpAsync(client, upstream, stopping), PumpAsync(upstream, client, stopping));
        }
        catch (Exception)
        {
            // Either side went away, or Stop() closed the sockets: the connection is over.
        }
        finally
        {
            Untrack(client);
            Untrack(upstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken stopping)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping);
                if (read == 0)
                {
                    return;
                }
                while (_stalled)
                {
                    await Task.Delay(50, stopping);
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stopping);
            }
        }
        catch (Exception)
        {
            // Closed by the other side or by Stop().
        }
    }

    private bool Track(Socket socket)
    {
        lock (_lock)
        {
            return _listener is not null && _sockets.Add(socket);
        }
    }

    private void Untrack(Socket socket)
    {
        lock (_lock)
        {
            _sockets.Remove(socket);
        }
        socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
