using System.Globalization;
using System.Text.Json;
using Campus.Messaging.Outbox;
using Campus.Notifications.Data;
using Campus.Notifications.Templates;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Sending;

/// <summary>One user an event concerns, the values their templates get, and an e-mail address that overrides the contact's.</summary>
public sealed record Addressee(Guid UserId, IDictionary<string, object?> Values, string? Email = null);

/// <summary>
/// Turns an event into notification rows: per user × the type's channels that are on (all of them for a critical
/// type) and have a recipient, rendered in the contact's locale, each with its <see cref="DeliveryRequested"/> in the
/// same transaction. Idempotent: a row's key is <c>{event id}:{user id}:{channel}</c>, existing keys are skipped.
/// </summary>
public sealed partial class Notifier(NotificationsDbContext db, TemplateRenderer renderer, TimeProvider time, ILogger<Notifier> logger)
{
    /// <summary>Writes the notifications of <paramref name="eventId"/> for <paramref name="addressees"/> (one transaction); returns how many.</summary>
    public async Task<int> NotifyAsync(Guid eventId, string typeKey, IReadOnlyList<Addressee> addressees, CancellationToken ct)
    {
        if (addressees.Count == 0)
        {
            return 0;
        }
        var type = await db.NotificationTypes.AsNoTracking().FirstOrDefaultAsync(t => t.Key == typeKey, ct)
            ?? throw new InvalidOperationException($"Notification type '{typeKey}' is not in the database.");
        var templates = await db.Templates.AsNoTracking().Where(t => t.TypeKey == typeKey).ToListAsync(ct);
        var userIds = addressees.Select(a => a.UserId).Distinct().ToList();
        var contacts = await db.Contacts.AsNoTracking().Where(c => userIds.Contains(c.UserId)).ToDictionaryAsync(c => c.UserId, ct);
        var settings = await db.UserSettings.AsNoTracking()
            .Where(s => s.TypeKey == typeKey && userIds.Contains(s.UserId))
            .ToDictionaryAsync(s => (s.UserId, s.Channel), s => s.Enabled, ct);
        var keys = addressees.SelectMany(a => type.DefaultChannels.Select(channel => Key(eventId, a.UserId, channel))).ToList();
        var existing = (await db.Notifications.Where(n => keys.Contains(n.IdempotencyKey)).Select(n => n.IdempotencyKey).ToListAsync(ct))
            .ToHashSet(StringComparer.Ordinal);

        var now = time.GetUtcNow();
        var created = 0;
        foreach (var addressee in addressees)
        {
            contacts.TryGetValue(addressee.UserId, out var contact);
            foreach (var channel in type.DefaultChannels)
            {
                var key = Key(eventId, addressee.UserId, channel);
                var enabled = type.Critical || settings.GetValueOrDefault((addressee.UserId, channel), true);
                var recipient = channel switch
                {
                    Channels.Email => addressee.Email ?? contact?.Email,
                    Channels.Telegram => contact?.TelegramChatId?.ToString(CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (!enabled || recipient is null || existing.Contains(key))
                {
                    continue;
                }
                var template = PickTemplate(templates, channel, contact?.Locale);
                if (template is null)
                {
                    LogNoTemplate(logger, typeKey, channel);
                    continue;
                }
                var (subject, body) = renderer.Render(template, addressee.Values);
                var notification = new Notification
                {
                    UserId = addressee.UserId, TypeKey = typeKey, Channel = channel, Recipient = recipient,
                    Subject = subject?.Length > Template.SubjectLength ? subject[..Template.SubjectLength] : subject, Body = body, Payload = JsonSerializer.Serialize(addressee.Values),
                    CreatedAt = now, IdempotencyKey = key,
                };
                db.Notifications.Add(notification);
                db.AddOutboxMessage(new DeliveryRequested(notification.Id));
                created++;
            }
        }
        // A concurrent redelivery of the same event loses on the unique key and is retried by the consumer; the retry
        // then finds every key taken and writes nothing.
        await db.SaveChangesAsync(ct);
        return created;
    }

    public static string Key(Guid eventId, Guid userId, string channel) => $"{eventId:N}:{userId:N}:{channel}";

    /// <summary>The template in the contact's locale, else the default locale's, else any of the channel.</summary>
    private static Template? PickTemplate(List<Template> templates, string channel, string? locale) =>
        templates.FirstOrDefault(t => t.Channel == channel && t.Locale == locale)
        ?? templates.FirstOrDefault(t => t.Channel == channel && t.Locale == Locales.Default)
        ?? templates.Where(t => t.Channel == channel).OrderBy(t => t.Locale, StringComparer.Ordinal).FirstOrDefault();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {Channel} template of notification type {TypeKey}; that channel is skipped")]
    private static partial void LogNoTemplate(ILogger logger, string typeKey, string channel);
}
