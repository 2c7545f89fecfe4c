using System.Globalization;
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
/// <remarks>
/// A chat already linked to another Campus account is not moved by <c>/start</c>: anyone can send a victim their own
/// link, and opening it would silently take the victim's chat away from the victim's account. The bot instead says the
/// chat belongs to another account and moves it only on <c>/confirm &lt;code&gt;</c> — a deliberate second message
/// in that chat, with the same code, while it is still unused and unexpired. Nothing is stored until then.
/// </remarks>
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
        public const string ConfirmRu = "Этот чат уже получает уведомления другой учётной записи Campus. Если вы хотите перенести его "
            + "на учётную запись из этой ссылки, отправьте:\n/confirm {0}\nИначе ничего не делайте: чат останется как есть.";
        public const string ConfirmEn = "This chat already receives notifications of another Campus account. To move it to the account "
            + "of this link, send:\n/confirm {0}\nOtherwise do nothing: the chat stays as it is.";
    }

    private enum Outcome
    {
        Invalid,
        Linked,
        NeedsConfirmation,
    }

    public async Task HandleAsync(Message message, CancellationToken cancellationToken)
    {
        if (message.Text is not { } text)
        {
            return;
        }
        bool confirmed;
        string code;
        if (TryGetCommandArgument(text, "/start", out code))
        {
            confirmed = false;
        }
        else if (TryGetCommandArgument(text, "/confirm", out code))
        {
            confirmed = true;
        }
        else
        {
            return;
        }
        var chatId = message.Chat.Id;
        var username = message.From?.Username ?? message.Chat.Username;
        var (outcome, linkedLocale) = await LinkAsync(code, chatId, username, confirmed, cancellationToken);
        var english = (linkedLocale ?? message.From?.LanguageCode) is { } locale && !locale.StartsWith(Locales.Russian, StringComparison.OrdinalIgnoreCase);
        var reply = outcome switch
        {
            Outcome.Linked => english ? Replies.LinkedEn : Replies.LinkedRu,
            Outcome.NeedsConfirmation => string.Format(CultureInfo.InvariantCulture, english ? Replies.ConfirmEn : Replies.ConfirmRu, code),
            _ => english ? Replies.InvalidEn : Replies.InvalidRu,
        };
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

    /// <summary>
    /// Links the chat (with the user's locale), or refuses the code, or — when the chat belongs to another account and
    /// the link was not <paramref name="confirmed"/> — asks for confirmation and stores nothing.
    /// </summary>
    private async Task<(Outcome Outcome, string? Locale)> LinkAsync(
        string code, long chatId, string? username, bool confirmed, CancellationToken cancellationToken)
    {
        var hash = TelegramLinkCode.Hash(code);
        var now = time.GetUtcNow();
        var link = await db.TelegramLinkCodes.SingleOrDefaultAsync(c => c.CodeHash == hash, cancellationToken);
        if (link is null || link.ExpiresAt <= now && link.UsedAt is null)
        {
            LogInvalidCode(link is null ? "unknown" : "expired");
            return (Outcome.Invalid, null);
        }
        var contact = await db.Contacts.SingleOrDefaultAsync(c => c.UserId == link.UserId, cancellationToken);
        if (link.UsedAt is not null)
        {
            // The same /start read twice (an update polled again after a restart) answers as before and stores nothing.
            if (contact?.TelegramChatId == chatId)
            {
                return (Outcome.Linked, contact.Locale);
            }
            LogInvalidCode("used");
            return (Outcome.Invalid, null);
        }
        var others = await db.Contacts.Where(c => c.TelegramChatId == chatId && c.UserId != link.UserId).ToListAsync(cancellationToken);
        if (others.Count > 0 && !confirmed)
        {
            LogConfirmationAsked(link.UserId);
            // Answered in the language of whoever is in the chat, not of the link's account.
            return (Outcome.NeedsConfirmation, null);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Claimed with a conditional update, so two readers of the same code cannot both link it.
        var claimed = await db.TelegramLinkCodes
            .Where(c => c.CodeHash == hash && c.UsedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken);
        if (claimed == 0)
        {
            LogInvalidCode("used");
            return (Outcome.Invalid, null);
        }

        // One account per chat (as the profile's binding): the accounts the chat leaves stop sending to it.
        foreach (var other in others)
        {
            other.TelegramChatId = null;
            other.TelegramUsername = null;
            other.UpdatedAt = now;
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
        LogLinked(link.UserId, others.Count > 0);
        return (Outcome.Linked, contact.Locale);
    }

    /// <summary><c>/start CODE</c> or, in groups, <c>/start@bot CODE</c>.</summary>
    internal static bool TryGetStartCode(string text, out string code) => TryGetCommandArgument(text, "/start", out code);

    /// <summary><c>{command} ARG</c> or, in groups, <c>{command}@bot ARG</c>.</summary>
    internal static bool TryGetCommandArgument(string text, string command, out string argument)
    {
        argument = "";
        var parts = text.Trim().Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !(parts[0] == command || parts[0].StartsWith(command + "@", StringComparison.Ordinal)))
        {
            return false;
        }
        argument = parts.Length > 1 ? parts[1] : "";
        return true;
    }

    [LoggerMessage(LogLevel.Information, "Telegram chat linked to user {UserId} (moved from another account: {Moved})")]
    private partial void LogLinked(Guid userId, bool moved);

    [LoggerMessage(LogLevel.Information, "Telegram /start for user {UserId} in a chat linked to another account: confirmation asked")]
    private partial void LogConfirmationAsked(Guid userId);

    [LoggerMessage(LogLevel.Information, "Telegram /start with an {Reason} link code refused")]
    private partial void LogInvalidCode(string reason);

    [LoggerMessage(LogLevel.Warning, "Replying to a Telegram /start failed ({Error})")]
    private partial void LogReplyFailed(string error);
}
