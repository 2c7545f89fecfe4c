using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>The Telegram bot the worker sends as and reads <c>/start</c> links from, bound from <c>Telegram</c>.</summary>
public sealed class TelegramOptions
{
    public const string Section = "Telegram";

    /// <summary>The bot token from BotFather (<c>123456:ABC...</c>). A secret. Without it Telegram sends fail and nothing is polled.</summary>
    public string? BotToken { get; set; }

    /// <summary>The Bot API server; a local fake in tests and development.</summary>
    [Required, Url]
    public string BaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>The bot's @username without the @ (the service builds <c>t.me</c> links from it; here only for logs).</summary>
    public string? BotUsername { get; set; }

    /// <summary>Long-poll <c>getUpdates</c> for <c>/start &lt;code&gt;</c> links. Effective only with a <see cref="BotToken"/>.</summary>
    public bool PollUpdates { get; set; } = true;

    /// <summary>How long one <c>getUpdates</c> call waits on the server for new updates.</summary>
    [TimeSpanRange("00:00:00", "00:00:50")]
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Bound on one <c>sendMessage</c> call.</summary>
    [TimeSpanRange("00:00:01", "00:02:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Pause after a failed <c>getUpdates</c> (doubled per failure up to a minute).</summary>
    [TimeSpanRange("00:00:00.010", "00:01:00")]
    public TimeSpan PollErrorDelay { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BotToken);
}
