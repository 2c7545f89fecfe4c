using System.ComponentModel.DataAnnotations;
using Campus.ServiceDefaults;

namespace Campus.Notifications;

/// <summary>What the service needs of the Telegram bot (section <c>Telegram</c>; the worker reads its token from there too).</summary>
public sealed class TelegramOptions
{
    public const string Section = "Telegram";

    /// <summary>The bot's username without '@': deep links are <c>https://t.me/{BotUsername}?start={code}</c>.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9_]{3,31}$")]
    public string BotUsername { get; set; } = "";

    /// <summary>How long a link code works.</summary>
    [TimeSpanRange("00:01:00", "1.00:00:00")]
    public TimeSpan LinkCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
