using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Worker.Telegram;

internal static class TelegramExtensions
{
    /// <summary>The Telegram sender, its HTTP clients and options.</summary>
    public static void AddTelegramDelivery(this IHostApplicationBuilder builder)
    {
        // "Telegram": {
        //   "BotToken": null,                     // secret; without it sends fail (permanent) and nothing is polled
        //   "BaseUrl": "https://api.telegram.org",// a fake Bot API locally
        //   "BotUsername": null,
        //   "PollUpdates": true,                  // long-poll getUpdates for /start <code> (needs BotToken)
        //   "PollTimeout": "00:00:25", "RequestTimeout": "00:00:15", "PollErrorDelay": "00:00:01"
        // }
        builder.Services.AddOptions<TelegramOptions>()
            .BindConfiguration(TelegramOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.BotToken) || o.BotToken.Contains(':', StringComparison.Ordinal),
                "Telegram:BotToken must look like 123456:ABC... (as BotFather issues it).")
            .ValidateOnStart();
        // No request logging: Bot API URLs carry the bot token (https://api.telegram.org/bot<token>/sendMessage).
        builder.Services.AddHttpClient(TelegramBotClients.SendClient)
            .RemoveAllLoggers()
            .ConfigureHttpClient((services, http) => http.Timeout = services.GetRequiredService<IOptions<TelegramOptions>>().Value.RequestTimeout);
        builder.Services.AddHttpClient(TelegramBotClients.PollClient)
            .RemoveAllLoggers()
            .ConfigureHttpClient((services, http) =>
                http.Timeout = services.GetRequiredService<IOptions<TelegramOptions>>().Value.PollTimeout + TimeSpan.FromSeconds(15));
        builder.Services.TryAddSingleton<TelegramBotClients>();
        builder.Services.TryAddSingleton<ITelegramSender, TelegramSender>();
    }
}
