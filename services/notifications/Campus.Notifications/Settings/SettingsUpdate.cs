using Campus.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Settings;

/// <summary>What updating the settings came to; the API maps it to a status and a problem code.</summary>
public abstract record SettingsUpdateResult
{
    /// <summary>The caller's settings after the change.</summary>
    public sealed record Updated(SettingsResponse Settings) : SettingsUpdateResult;
    /// <summary>A request field is wrong (<paramref name="Field"/> is its wire name); nothing was changed.</summary>
    public sealed record Invalid(string Field, string Code, string Detail) : SettingsUpdateResult;
    /// <summary>An item turns off the critical type <paramref name="TypeKey"/>; nothing was changed.</summary>
    public sealed record CriticalType(string TypeKey) : SettingsUpdateResult;
}

/// <summary>
/// Changing the caller's notification settings: the locale if given and each listed type × channel, all checked first
/// (a known type on one of its channels, each pair at most once, no critical type turned off), then upserted in one
/// transaction, so concurrent updates of the same user neither fail nor apply half a request.
/// </summary>
public sealed class SettingsUpdate(NotificationsDbContext db, TimeProvider time)
{
    /// <summary>
    /// Most items one update takes. Each distinct type × channel appears at most once, so a real request has at most as
    /// many items as there are pairs (8 today); the bound keeps a request from turning into thousands of writes.
    /// </summary>
    public const int MaxItems = 64;

    /// <param name="me">The caller.</param>
    /// <param name="request">The request as sent.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<SettingsUpdateResult> UpdateAsync(Guid me, UpdateSettingsRequest request, CancellationToken ct)
    {
        if (request.Locale is { } locale && !Locales.IsKnown(locale))
        {
            return new SettingsUpdateResult.Invalid("locale", "invalid_locale", $"locale must be one of: {string.Join(", ", Locales.All)}.");
        }
        var changes = request.Items ?? [];
        if (changes.Count > MaxItems)
        {
            return new SettingsUpdateResult.Invalid("items", "too_many_items", $"items holds at most {MaxItems} entries.");
        }
        // A pair named twice is refused rather than "last one wins": on and off in one request is a client bug.
        var seen = new HashSet<(string?, string?)>();
        for (var i = 0; i < changes.Count; i++)
        {
            if (!seen.Add((changes[i].TypeKey, changes[i].Channel)))
            {
                return new SettingsUpdateResult.Invalid($"items[{i}]", "duplicate_item",
                    $"Each type_key × channel appears at most once in items ({changes[i].TypeKey} × {changes[i].Channel}).");
            }
        }
        var types = await db.NotificationTypes.AsNoTracking().ToDictionaryAsync(t => t.Key, ct);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.TypeKey is not { Length: <= NotificationType.KeyLength } || !types.TryGetValue(change.TypeKey, out var type))
            {
                return new SettingsUpdateResult.Invalid($"items[{i}].type_key", "unknown_type", "No notification type with this key.");
            }
            if (change.Channel is null || !type.DefaultChannels.Contains(change.Channel))
            {
                return new SettingsUpdateResult.Invalid($"items[{i}].channel", "channel_not_supported",
                    $"Type {type.Key} is delivered on: {string.Join(", ", type.DefaultChannels)}.");
            }
            if (type.Critical && !change.Enabled)
            {
                return new SettingsUpdateResult.CriticalType(type.Key);
            }
        }

        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var change in changes)
        {
            // Upserts: two concurrent PUTs of the same user must not fail on the primary key.
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO user_settings (user_id, type_key, channel, enabled) VALUES ({me}, {change.TypeKey}, {change.Channel}, {change.Enabled})
                ON CONFLICT (user_id, type_key, channel) DO UPDATE SET enabled = EXCLUDED.enabled
                """, ct);
        }
        if (request.Locale is { } newLocale)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO contacts (user_id, locale, updated_at) VALUES ({me}, {newLocale}, {now})
                ON CONFLICT (user_id) DO UPDATE SET locale = EXCLUDED.locale, updated_at = EXCLUDED.updated_at
                """, ct);
        }
        await transaction.CommitAsync(ct);
        return new SettingsUpdateResult.Updated(await SettingsApi.ReadAsync(db, me, ct));
    }
}
