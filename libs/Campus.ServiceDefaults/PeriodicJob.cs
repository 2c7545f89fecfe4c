using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Campus.ServiceDefaults;

/// <summary>
/// A background job that runs a round, waits <see cref="Interval"/> and runs the next, on every replica (a round that
/// must run once across replicas claims its rows itself, e.g. with <c>FOR UPDATE SKIP LOCKED</c>). A failed round is
/// logged and the next one tries again: the database or another server may be away for a while. Stopping the host
/// ends the round in progress (through its token) or the wait.
/// </summary>
public abstract partial class PeriodicJob(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The host's clock (the waits use it too).</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The wait after each round, read before every wait (options may change at run time).</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One round of the job.</summary>
    protected abstract Task RunRoundAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRoundFailed(ex, GetType().Name, Interval);
            }
            try
            {
                await Task.Delay(Interval, Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Job}: the round failed; the next one runs in {Interval}")]
    private partial void LogRoundFailed(Exception exception, string job, TimeSpan interval);
}
