using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Campus.Notifications.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Telegram;

public sealed record TelegramLinkResponse(string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// Starts linking the caller's Telegram chat: a one-time deep link to the bot. The worker reads <c>/start CODE</c>
/// from the bot's updates, spends the code, stores the chat and publishes <see cref="TelegramLinked"/>.
/// </summary>
public static class TelegramLinkApi
{
    public static IEndpointRouteBuilder MapTelegramLinkApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/notifications/telegram").WithTags("Telegram").RequireAuthorization()
            .MapPost("/link", CreateLinkAsync)
            .WithName("CreateTelegramLink")
            .WithSummary("A one-time deep link to the bot (10 minutes); opening it and pressing Start links the caller's chat.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    public static async Task<Ok<TelegramLinkResponse>> CreateLinkAsync(
        ClaimsPrincipal principal, NotificationsDbContext db, IOptions<TelegramOptions> options, TimeProvider time, CancellationToken ct)
    {
        var me = principal.UserId();
        var now = time.GetUtcNow();
        // 192 random bits, base64url: 32 characters, within Telegram's start parameter alphabet ([A-Za-z0-9_-], ≤ 64).
        var code = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var expiresAt = now + options.Value.LinkCodeLifetime;

        // Only the newest link of a user works; expired codes of everyone are swept on the way.
        await db.TelegramLinkCodes.Where(c => (c.UserId == me && c.UsedAt == null) || c.ExpiresAt < now.AddDays(-1)).ExecuteDeleteAsync(ct);
        db.TelegramLinkCodes.Add(new TelegramLinkCode { CodeHash = TelegramLinkCode.Hash(code), UserId = me, ExpiresAt = expiresAt });
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new TelegramLinkResponse($"https://t.me/{options.Value.BotUsername}?start={code}", expiresAt));
    }
}
