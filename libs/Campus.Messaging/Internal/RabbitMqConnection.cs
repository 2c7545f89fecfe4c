using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Campus.Messaging.Internal;

/// <summary>
/// The process's one long-lived connection. It is opened in the background and retried until the broker answers,
/// so a host starts (and answers /healthz) while RabbitMQ is down; later drops are healed by the client's
/// automatic recovery, after which the topology is declared again.
/// </summary>
internal sealed partial class RabbitMqConnection(
    IOptions<MessagingOptions> options,
    MessagingTopology topology,
    ILogger<RabbitMqConnection> logger) : IAsyncDisposable
{
    private static readonly TimeSpan MaxConnectDelay = TimeSpan.FromSeconds(10);

    private readonly MessagingOptions _options = options.Value;
    private readonly CancellationTokenSource _disposing = new();
    private readonly TaskCompletionSource<IConnection> _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startLock = new();
    private Task? _connectLoop;
    private volatile IConnection? _connection;
    private volatile string _status = "not connected yet";

    /// <summary>Raised after the connection is (re)established and the topology declared.</summary>
    public event Action? Connected;

    /// <summary>The connection when it is open and the topology is declared; otherwise null.</summary>
    public IConnection? Current => _connection is { IsOpen: true } connection ? connection : null;

    /// <summary>Why <see cref="Current"/> is null, for the readiness check. Holds no secrets.</summary>
    public string Status => _connection is { IsOpen: false } ? "connection lost, recovering" : _status;

    /// <summary>Starts connecting in the background (once); returns immediately.</summary>
    public void EnsureStarted()
    {
        lock (_startLock)
        {
            _connectLoop ??= Task.Run(ConnectLoopAsync);
        }
    }

    /// <summary>Waits until the first connection is up (consumers start this way).</summary>
    public async Task<IConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        return await _firstConnection.Task.WaitAsync(cancellationToken);
    }

    private async Task ConnectLoopAsync()
    {
        var factory = CreateFactory();
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; !_disposing.IsCancellationRequested; attempt++)
        {
            IConnection? connection = null;
            try
            {
                connection = await factory.CreateConnectionAsync(_options.ClientName, _disposing.Token);
                await topology.DeclareAsync(connection, _disposing.Token);
                connection.RecoverySucceededAsync += OnRecoveredAsync;
                connection.ConnectionShutdownAsync += OnShutdownAsync;
                _connection = connection;
                _status = "connected";
                LogConnected(factory.Endpoint.HostName, factory.Endpoint.Port);
                _firstConnection.TrySetResult(connection);
                Connected?.Invoke();
                return;
            }
            catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The readiness body gets the type only; the URI (with its password) is never written anywhere.
                _status = $"not connected: {ex.GetType().Name}";
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
                if (attempt == 1 || attempt % 10 == 0)
                {
                    LogConnectFailed(factory.Endpoint.HostName, factory.Endpoint.Port, attempt, ex.GetType().Name, ex.Message);
                }
            }

            try
            {
                await Task.Delay(delay, _disposing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxConnectDelay.Ticks));
        }
    }

    private ConnectionFactory CreateFactory() => new()
    {
        Uri = new Uri(_options.ConnectionString!),
        ClientProvidedName = _options.ClientName,
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        RequestedHeartbeat = TimeSpan.FromSeconds(20),
    };

    private async Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        try
        {
            await topology.DeclareAsync((IConnection)sender, _disposing.Token);
            LogRecovered();
            Connected?.Invoke();
        }
        catch (Exception ex)
        {
            LogRedeclareFailed(ex);
        }
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            LogConnectionLost(args.ReplyCode, args.ReplyText);
        }
        return Task.CompletedTask;
    }

    // ConfigureAwait(false): hosts disposed synchronously (host.Dispose() blocks on DisposeAsync) must not deadlock
    // on a captured synchronization context.
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (_connectLoop is not null)
        {
            await _connectLoop.ConfigureAwait(false);
        }
        if (_connection is { } connection)
        {
            try
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogCloseFailed(ex);
            }
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _disposing.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Connected to RabbitMQ at {Host}:{Port}")]
    private partial void LogConnected(string host, int port);

    [LoggerMessage(LogLevel.Warning, "Cannot connect to RabbitMQ at {Host}:{Port} (attempt {Attempt}): {ErrorType}: {ErrorMessage}; retrying in the background")]
    private partial void LogConnectFailed(string host, int port, int attempt, string errorType, string errorMessage);

    [LoggerMessage(LogLevel.Warning, "RabbitMQ connection lost ({ReplyCode} {ReplyText}); recovering")]
    private partial void LogConnectionLost(ushort replyCode, string replyText);

    [LoggerMessage(LogLevel.Information, "RabbitMQ connection recovered")]
    private partial void LogRecovered();

    [LoggerMessage(LogLevel.Error, "RabbitMQ connection recovered but declaring the topology failed")]
    private partial void LogRedeclareFailed(Exception exception);

    [LoggerMessage(LogLevel.Debug, "Closing the RabbitMQ connection failed")]
    private partial void LogCloseFailed(Exception exception);
}
