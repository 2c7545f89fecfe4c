using Campus.ServiceDefaults;
using System.ComponentModel.DataAnnotations;

namespace Campus.Notifications;

/// <summary>Options of the notifications service (section <c>Notifications</c>).</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// The web app's address links in messages start with: <c>{LinkBaseUrl}/confirm-email?token=…</c>,
    /// <c>{LinkBaseUrl}/reset-password?token=…</c>, <c>{LinkBaseUrl}/courses/{id}</c>.
    /// </summary>
    [Required, Url]
    public string LinkBaseUrl { get; set; } = "";

    /// <summary>Users notified per transaction when an event reaches many (a published course).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>The link of <paramref name="path"/> (starting with '/') under <see cref="LinkBaseUrl"/>.</summary>
    public string Link(string path) => LinkBaseUrl.TrimEnd('/') + path;
}

/// <summary>What the service needs of the Telegram bot (section <c>Telegram</c>; the worker reads its token from there too).</summary>
public sealed class TelegramLinkOptions
{
    public const string Section = "Telegram";

    /// <summary>The bot's username without '@': deep links are <c>https://t.me/{BotUsername}?start={code}</c>.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9_]{3,31}$")]
    public string BotUsername { get; set; } = "";

    /// <summary>How long a link code works.</summary>
    [TimeSpanRange("00:01:00", "1.00:00:00")]
    public TimeSpan LinkCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
