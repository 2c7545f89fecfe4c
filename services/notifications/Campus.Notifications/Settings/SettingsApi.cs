using System.Security.Claims;
using System.Text.Json.Serialization;
using Campus.Notifications.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Settings;

public sealed record NotificationTypeResponse(string Key, string Description, string[] DefaultChannels, bool Critical);

/// <summary>One type on one channel: on or off, and whether it may be turned off at all.</summary>
public sealed record SettingItem(string TypeKey, [property: OneOf(typeof(Channels), nameof(Channels.All))] string Channel, bool Enabled, bool Critical);

/// <param name="Locale">The language messages are written in: <c>ru</c> or <c>en</c>.</param>
/// <param name="EmailKnown">Whether the service knows an e-mail address of the caller (e-mails need one).</param>
/// <param name="TelegramLinked">Whether a Telegram chat is linked (Telegram messages need one).</param>
/// <param name="Items">Every type × channel it is delivered on.</param>
public sealed record SettingsResponse([property: OneOf(typeof(Locales), nameof(Locales.All))] string Locale, bool EmailKnown, bool TelegramLinked, IReadOnlyList<SettingItem> Items);

/// <summary>One type × channel to turn on or off; <c>enabled</c> is required (a missing one is a 400, never "off").</summary>
public sealed record SettingChange(string? TypeKey, [property: OneOf(typeof(Channels), nameof(Channels.All))] string? Channel,
    [property: JsonRequired] bool Enabled);

/// <summary>Changes only what it names: the locale if given, and each listed type × channel.</summary>
public sealed record UpdateSettingsRequest([property: OneOf(typeof(Locales), nameof(Locales.All))] string? Locale = null, IReadOnlyList<SettingChange>? Items = null);

/// <summary>Notification types and the caller's settings (type × channel on/off, locale).</summary>
public static class SettingsApi
{
    /// <summary>
    /// Most items one <c>PUT /settings</c> takes. Each distinct type × channel appears at most once, so a real request has
    /// at most as many items as there are pairs (8 today); the bound keeps a request from turning into thousands of writes.
    /// </summary>
    public const int MaxItems = 64;

    public static IEndpointRouteBuilder MapSettingsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/notifications").WithTags("Notification settings").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/types", ListTypesAsync)
            .WithName("ListNotificationTypes")
            .WithSummary("Every notification type with its channels and whether it is critical (cannot be turned off).");

        group.MapGet("/settings", GetAsync)
            .WithName("GetNotificationSettings")
            .WithSummary("The caller's settings: every type × channel it is delivered on, on or off, and the locale.");

        group.MapPut("/settings", UpdateAsync)
            .WithName("UpdateNotificationSettings")
            .WithSummary("Turns the listed type × channel pairs on or off and sets the locale (each item needs type_key, channel and enabled); a critical type cannot be turned off (422).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return routes;
    }

    public static async Task<Ok<List<NotificationTypeResponse>>> ListTypesAsync(NotificationsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.NotificationTypes.AsNoTracking().OrderBy(t => t.Key)
            .Select(t => new NotificationTypeResponse(t.Key, t.Description, t.DefaultChannels, t.Critical)).ToListAsync(ct));

    public static async Task<Ok<SettingsResponse>> GetAsync(ClaimsPrincipal principal, NotificationsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ReadAsync(db, principal.UserId(), ct));

    public static async Task<Results<Ok<SettingsResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        UpdateSettingsRequest request, ClaimsPrincipal principal, NotificationsDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        if (request.Locale is { } locale && !Locales.IsKnown(locale))
        {
            return Problems.Invalid("locale", $"locale must be one of: {string.Join(", ", Locales.All)}.", "invalid_locale");
        }
        var changes = request.Items ?? [];
        if (changes.Count > MaxItems)
        {
            return Problems.Invalid("items", $"items holds at most {MaxItems} entries.", "too_many_items");
        }
        // A pair named twice is refused rather than "last one wins": on and off in one request is a client bug.
        var seen = new HashSet<(string?, string?)>();
        for (var i = 0; i < changes.Count; i++)
        {
            if (!seen.Add((changes[i].TypeKey, changes[i].Channel)))
            {
                return Problems.Invalid($"items[{i}]",
                    $"Each type_key × channel appears at most once in items ({changes[i].TypeKey} × {changes[i].Channel}).", "duplicate_item");
            }
        }
        var types = await db.NotificationTypes.AsNoTracking().ToDictionaryAsync(t => t.Key, ct);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.TypeKey is null || !types.TryGetValue(change.TypeKey, out var type))
            {
                return Problems.Invalid($"items[{i}].type_key", "No notification type with this key.", "unknown_type");
            }
            if (change.Channel is null || !type.DefaultChannels.Contains(change.Channel))
            {
                return Problems.Invalid($"items[{i}].channel",
                    $"Type {type.Key} is delivered on: {string.Join(", ", type.DefaultChannels)}.", "channel_not_supported");
            }
            if (type.Critical && !change.Enabled)
            {
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "critical_type",
                    "This notification type is critical (e.g. password reset) and cannot be turned off.", type.Key);
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
        return TypedResults.Ok(await ReadAsync(db, me, ct));
    }

    private static async Task<SettingsResponse> ReadAsync(NotificationsDbContext db, Guid userId, CancellationToken ct)
    {
        var types = await db.NotificationTypes.AsNoTracking().OrderBy(t => t.Key).ToListAsync(ct);
        var chosen = await db.UserSettings.AsNoTracking().Where(s => s.UserId == userId)
            .ToDictionaryAsync(s => (s.TypeKey, s.Channel), s => s.Enabled, ct);
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.UserId == userId, ct);
        var items = types.SelectMany(type => type.DefaultChannels.Select(channel => new SettingItem(
            type.Key, channel, type.Critical || chosen.GetValueOrDefault((type.Key, channel), true), type.Critical))).ToList();
        return new SettingsResponse(contact?.Locale ?? Locales.Default, contact?.Email is not null, contact?.TelegramChatId is not null, items);
    }
}
