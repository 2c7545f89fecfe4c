using System.Net;
using Campus.Notifications.Worker.Delivery;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>
/// <c>sendMessage</c> through the Bot API. 429 is transient and carries <c>retry_after</c>; 5xx and network failures
/// are transient; 403 (the user blocked the bot) and 400 (chat not found, bad request) are permanent.
/// </summary>
public sealed class TelegramSender(TelegramBotClients clients, IOptions<TelegramOptions> options) : ITelegramSender
{
    private readonly TelegramOptions _options = options.Value;

    public async Task SendAsync(long chatId, string text, CancellationToken cancellationToken)
    {
        if (!_options.IsConfigured)
        {
            throw DeliveryException.Permanent("Telegram is not configured (Telegram:BotToken is empty).");
        }
        try
        {
            await clients.ForSending().SendMessage(chatId, text, cancellationToken: cancellationToken);
        }
        catch (ApiRequestException ex)
        {
            throw Classify(ex);
        }
        catch (Exception ex) when (ex is RequestException or HttpRequestException or TaskCanceledException or TimeoutException
            && !cancellationToken.IsCancellationRequested)
        {
            // Network trouble or a non-JSON answer (a proxy's 502 page). Only the type and status are kept: the
            // library's messages may quote the request URL, which contains the bot token.
            var status = (ex as RequestException)?.HttpStatusCode is { } code ? $" HTTP {(int)code}" : "";
            throw DeliveryException.Transient($"Telegram{status}: {ex.GetType().Name}", ex);
        }
    }

    internal DeliveryException Classify(ApiRequestException ex)
    {
        var text = $"Telegram {ex.ErrorCode}: {Scrub(ex.Message)}";
        return ex.ErrorCode switch
        {
            (int)HttpStatusCode.TooManyRequests => DeliveryException.Transient(text, ex,
                ex.Parameters?.RetryAfter is int seconds ? TimeSpan.FromSeconds(seconds) : null),
            // 403: bot blocked, kicked, or the user deactivated; 400: chat not found, text too long, ... — retrying
            // the same request cannot succeed.
            (int)HttpStatusCode.Forbidden or (int)HttpStatusCode.BadRequest => DeliveryException.Permanent(text, ex),
            _ => DeliveryException.Transient(text, ex),
        };
    }

    private string Scrub(string message) =>
        _options.BotToken is { Length: > 0 } token ? message.Replace(token, "***", StringComparison.Ordinal) : message;
}
