using Campus.Messaging.Outbox;
using Campus.Notifications.Data;
using Microsoft.EntityFrameworkCore;
using Telegram.Bot;
using Message = Telegram.Bot.Types.Message;

namespace Campus.Notifications.Worker.Telegram;

/// <summary>
/// Handles <c>/start &lt;code&gt;</c> from the deep link the service hands out: a valid, unused, unexpired code links
/// the chat to its user (contact, Telegram enabled on the types that offer it, <see cref="TelegramLinked"/> through
/// the outbox, all in one commit) and the chat gets a confirmation; any other code gets a polite refusal and
/// nothing is stored.
/// </summary>
public sealed partial class TelegramLinking(
    NotificationsDbContext db,
    TelegramBotClients clients,
    TimeProvider time,
    ILogger<TelegramLinking> logger)
{
    internal static class Replies
    {
        public const string LinkedRu = "Готово! Уведомления Campus будут приходить в этот чат.";
        public const string LinkedEn = "Done! Campus notifications will arrive in this chat.";
        public const string InvalidRu = "Ссылка недействительна или устарела. Получите новую в настройках уведомлений Campus.";
        public const string InvalidEn = "This link is invalid or has expired. Please get a new one in your Campus notification settings.";
    }

    public async Task HandleAsync(Message message, CancellationToken cancellationToken)
    {
        if (message.Text is not { } text || !TryGetStartCode(text, out var code))
        {
            return;
        }
        var chatId = message.Chat.Id;
        var username = message.From?.Username ?? message.Chat.Username;
        var linkedLocale = await LinkAsync(code, chatId, username, cancellationToken);
        var english = (linkedLocale ?? message.From?.LanguageCode) is { } locale && !locale.StartsWith(Locales.Russian, StringComparison.OrdinalIgnoreCase);
        var reply = linkedLocale is null
            ? english ? Replies.InvalidEn : Replies.InvalidRu
            : english ? Replies.LinkedEn : Replies.LinkedRu;
        try
        {
            await clients.ForSending().SendMessage(chatId, reply, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The link is stored either way; a lost confirmation is not worth failing it.
            LogReplyFailed(ex.GetType().Name);
        }
    }

    /// <summary>Links the chat; returns the user's locale when linked (or already linked to this chat), null when the code is not valid.</summary>
    private async Task<string?> LinkAsync(string code, long chatId, string? username, CancellationToken cancellationToken)
    {
        var hash = TelegramLinkCode.Hash(code);
        var now = time.GetUtcNow();
        var link = await db.TelegramLinkCodes.SingleOrDefaultAsync(c => c.CodeHash == hash, cancellationToken);
        if (link is null || link.ExpiresAt <= now && link.UsedAt is null)
        {
            LogInvalidCode(link is null ? "unknown" : "expired");
            return null;
        }
        var contact = await db.Contacts.SingleOrDefaultAsync(c => c.UserId == link.UserId, cancellationToken);
        if (link.UsedAt is not null)
        {
            // The same /start read twice (an update polled again after a restart) answers as before and stores nothing.
            if (contact?.TelegramChatId == chatId)
            {
                return contact.Locale;
            }
            LogInvalidCode("used");
            return null;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Claimed with a conditional update, so two readers of the same code cannot both link it.
        var claimed = await db.TelegramLinkCodes
            .Where(c => c.CodeHash == hash && c.UsedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken);
        if (claimed == 0)
        {
            LogInvalidCode("used");
            return null;
        }

        if (contact is null)
        {
            contact = new Contact { UserId = link.UserId };
            db.Contacts.Add(contact);
        }
        contact.TelegramChatId = chatId;
        contact.TelegramUsername = username;
        contact.UpdatedAt = now;

        // Without a row a channel is on when it is a default of the type; an explicit "off" from before the link is
        // turned on, since linking is the user asking for Telegram.
        var telegramTypes = await db.NotificationTypes.AsNoTracking()
            .Where(t => t.DefaultChannels.Contains(Channels.Telegram)).Select(t => t.Key).ToListAsync(cancellationToken);
        var existing = await db.UserSettings
            .Where(s => s.UserId == link.UserId && s.Channel == Channels.Telegram).ToListAsync(cancellationToken);
        foreach (var type in telegramTypes)
        {
            if (existing.FirstOrDefault(s => s.TypeKey == type) is { } setting)
            {
                setting.Enabled = true;
            }
            else
            {
                db.UserSettings.Add(new UserSetting { UserId = link.UserId, TypeKey = type, Channel = Channels.Telegram, Enabled = true });
            }
        }

        db.AddOutboxMessage(new TelegramLinked(link.UserId, chatId, username));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogLinked(link.UserId);
        return contact.Locale;
    }

    /// <summary><c>/start CODE</c> or, in groups, <c>/start@bot CODE</c>.</summary>
    internal static bool TryGetStartCode(string text, out string code)
    {
        code = "";
        var parts = text.Trim().Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !(parts[0] == "/start" || parts[0].StartsWith("/start@", StringComparison.Ordinal)))
        {
            return false;
        }
        code = parts.Length > 1 ? parts[1] : "";
        return true;
    }

    [LoggerMessage(LogLevel.Information, "Telegram chat linked to user {UserId}")]
    private partial void LogLinked(Guid userId);

    [LoggerMessage(LogLevel.Information, "Telegram /start with an {Reason} link code refused")]
    private partial void LogInvalidCode(string reason);

    [LoggerMessage(LogLevel.Warning, "Replying to a Telegram /start failed ({Error})")]
    private partial void LogReplyFailed(string error);
}
