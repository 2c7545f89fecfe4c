using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types.Enums;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>
/// Long-polls the Bot API's <c>getUpdates</c> for <c>/start</c> links when <c>Telegram:PollUpdates</c> is on and a
/// bot token is set. The offset is derived rather than stored: Telegram keeps every update until a <c>getUpdates</c>
/// asks for a higher offset, so an update is confirmed only after it was handled, and a restart re-reads at most the
/// last unconfirmed batch (handling is idempotent for a chat that is already linked).
/// </summary>
public sealed partial class TelegramUpdatePoller(
    TelegramBotClients clients,
    IServiceScopeFactory scopes,
    IOptions<TelegramOptions> options,
    ILogger<TelegramUpdatePoller> logger) : BackgroundService
{
    /// <summary>Tries of one update before it is skipped, so a poison update cannot stall linking forever.</summary>
    private const int MaxTriesPerUpdate = 5;

    private readonly TelegramOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.PollUpdates || !_options.IsConfigured)
        {
            LogPollingOff();
            return;
        }
        var bot = clients.ForPolling();
        int? offset = null;
        var failedUpdate = (Id: 0, Tries: 0);
        var delay = _options.PollErrorDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var updates = await bot.GetUpdates(offset, limit: 100, timeout: (int)_options.PollTimeout.TotalSeconds,
                    allowedUpdates: [UpdateType.Message], cancellationToken: stoppingToken);
                foreach (var update in updates)
                {
                    try
                    {
                        if (update.Message is { } message)
                        {
                            await using var scope = scopes.CreateAsyncScope();
                            await scope.ServiceProvider.GetRequiredService<TelegramLinking>().HandleAsync(message, stoppingToken);
                        }
                    }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                    {
                        failedUpdate = failedUpdate.Id == update.Id ? (update.Id, failedUpdate.Tries + 1) : (update.Id, 1);
                        if (failedUpdate.Tries < MaxTriesPerUpdate)
                        {
                            // Not confirmed: the next getUpdates returns it again (the database may be back by then).
                            throw;
                        }
                        LogUpdateSkipped(ex, update.Id);
                    }
                    offset = update.Id + 1;
                }
                delay = _options.PollErrorDelay;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Only the type: the library's messages may quote the request URL, which contains the bot token.
                LogPollFailed(ex.GetType().Name, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Telegram update polling is off (Telegram:PollUpdates is false or Telegram:BotToken is empty)")]
    private partial void LogPollingOff();

    [LoggerMessage(LogLevel.Warning, "Telegram getUpdates or handling an update failed ({Error}); polling again in {Delay}")]
    private partial void LogPollFailed(string error, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Telegram update {UpdateId} failed repeatedly and is skipped")]
    private partial void LogUpdateSkipped(Exception exception, int updateId);
}
