using System.Globalization;
using Campus.Messaging;
using Campus.Profile.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Profile.Social;

/// <summary>
/// The notifications service's event, copied by its JSON shape: a user linked a Telegram chat through the bot
/// (<c>/start CODE</c>).
/// </summary>
[RoutingKey("notifications.telegram.linked")]
public sealed record TelegramLinked(Guid UserId, long ChatId, string? Username) : IntegrationEvent;

/// <summary>
/// Creates or updates the user's <c>telegram</c> binding. A chat belongs to the account that linked it last: a binding
/// of the same chat to another user is removed in the same transaction (the unique provider + external id would refuse
/// it otherwise). Repeats are harmless: the values, <c>linked_at</c> included (the event's time), are the same.
/// </summary>
public sealed class BindTelegramOnLink(ProfileDbContext db) : IIntegrationEventHandler<TelegramLinked>
{
    public const string Queue = "profile.telegram-linked";
    public const string Provider = "telegram";

    public async Task HandleAsync(TelegramLinked evt, MessageContext context, CancellationToken cancellationToken)
    {
        var chatId = evt.ChatId.ToString(CultureInfo.InvariantCulture);
        var username = string.IsNullOrWhiteSpace(evt.Username) ? null : evt.Username.Trim().TrimStart('@');
        if (username?.Length > 128)
        {
            username = username[..128]; // the column's limit; Telegram's own is 32
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SocialBindings.Where(b => b.Provider == Provider && b.ExternalId == chatId && b.UserId != evt.UserId)
            .ExecuteDeleteAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO social_bindings (user_id, provider, external_id, username, linked_at)
            VALUES ({evt.UserId}, {Provider}, {chatId}, {username}, {evt.OccurredAt})
            ON CONFLICT (user_id, provider) DO UPDATE
                SET external_id = EXCLUDED.external_id, username = EXCLUDED.username, linked_at = EXCLUDED.linked_at
            """,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
