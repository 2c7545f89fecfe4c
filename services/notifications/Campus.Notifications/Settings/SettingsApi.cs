using System.Security.Claims;
using System.Text.Json.Serialization;
using Campus.Notifications.Data;
using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Settings;

public sealed record NotificationTypeResponse(
    string Key, string Description, [property: OneOf(typeof(Channels), nameof(Channels.All))] string[] DefaultChannels, bool Critical);

/// <summary>One type on one channel: on or off, and whether it may be turned off at all.</summary>
public sealed record SettingItem(string TypeKey, [property: OneOf(typeof(Channels), nameof(Channels.All))] string Channel, bool Enabled, bool Critical);

/// <param name="Locale">The language messages are written in: <c>ru</c> or <c>en</c>.</param>
/// <param name="EmailKnown">Whether the service knows an e-mail address of the caller (e-mails need one).</param>
/// <param name="TelegramLinked">Whether a Telegram chat is linked (Telegram messages need one).</param>
/// <param name="Items">Every type × channel it is delivered on.</param>
public sealed record SettingsResponse([property: OneOf(typeof(Locales), nameof(Locales.All))] string Locale, bool EmailKnown, bool TelegramLinked, IReadOnlyList<SettingItem> Items);

/// <summary>One type × channel to turn on or off; <c>enabled</c> is required (a missing one is a 400, never "off").</summary>
public sealed record SettingChange(
    [property: Bounds(MaxLength = NotificationType.KeyLength)] string? TypeKey,
    [property: OneOf(typeof(Channels), nameof(Channels.All))] string? Channel,
    [property: JsonRequired] bool Enabled);

/// <summary>Changes only what it names: the locale if given, and each listed type × channel.</summary>
public sealed record UpdateSettingsRequest(
    [property: OneOf(typeof(Locales), nameof(Locales.All))] string? Locale = null,
    [property: Bounds(MaxItems = SettingsUpdate.MaxItems)] IReadOnlyList<SettingChange>? Items = null);

/// <summary>Notification types and the caller's settings (type × channel on/off, locale).</summary>
public static class SettingsApi
{
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
        UpdateSettingsRequest request, ClaimsPrincipal principal, SettingsUpdate update, CancellationToken ct)
    {
        var result = await update.UpdateAsync(principal.UserId(), request, ct);
        return result switch
        {
            SettingsUpdateResult.Updated updated => TypedResults.Ok(updated.Settings),
            SettingsUpdateResult.Invalid invalid => Problems.Invalid(invalid.Field, invalid.Detail, invalid.Code),
            SettingsUpdateResult.CriticalType critical => Problems.Create(StatusCodes.Status422UnprocessableEntity, "critical_type",
                "This notification type is critical (e.g. password reset) and cannot be turned off.", critical.TypeKey),
            _ => throw new InvalidOperationException($"Unexpected settings update result {result.GetType().Name}."),
        };
    }

    /// <summary>The settings of <paramref name="userId"/>: every type × channel, on unless turned off (critical ones always on).</summary>
    internal static async Task<SettingsResponse> ReadAsync(NotificationsDbContext db, Guid userId, CancellationToken ct)
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
