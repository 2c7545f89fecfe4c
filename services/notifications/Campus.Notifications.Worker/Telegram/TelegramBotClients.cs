using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>
/// Telegram.Bot clients on the configured Bot API base URL. Two HTTP clients: sends are bounded by
/// <see cref="TelegramOptions.RequestTimeout"/>, while a long poll must outlive <see cref="TelegramOptions.PollTimeout"/>.
/// </summary>
public sealed class TelegramBotClients(IHttpClientFactory httpClients, IOptions<TelegramOptions> options)
{
    public const string SendClient = "telegram-send";
    public const string PollClient = "telegram-poll";

    private readonly TelegramOptions _options = options.Value;

    public ITelegramBotClient ForSending() => Create(SendClient);

    public ITelegramBotClient ForPolling() => Create(PollClient);

    private TelegramBotClient Create(string name)
    {
        var token = _options.BotToken ?? throw new InvalidOperationException("Telegram:BotToken is not set.");
        return new TelegramBotClient(
            new TelegramBotClientOptions(token, _options.BaseUrl)
            {
                // The library would otherwise sleep through short 429s itself; the worker honours retry_after through
                // its own retry (the row's next_attempt_at), so a send is one HTTP call and every attempt is counted.
                RetryThreshold = 0,
                RetryCount = 0,
            },
            httpClients.CreateClient(name));
    }
}
