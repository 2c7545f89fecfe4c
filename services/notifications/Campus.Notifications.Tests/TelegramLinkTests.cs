using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Campus.Notifications.Data;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using static Campus.Notifications.Tests.NotificationsTestKit;

namespace Campus.Notifications.Tests;

public sealed partial class TelegramLinkTests(NotificationsFactory factory) : IClassFixture<NotificationsFactory>
{
    [Fact]
    public async Task A_link_carries_a_one_time_code_stored_only_as_its_hash_for_ten_minutes()
    {
        var user = Guid.NewGuid();
        using var client = factory.ClientFor(user);

        var response = await client.PostAsync("/api/notifications/telegram/link", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var match = DeepLink().Match(body.GetProperty("url").GetString()!);
        Assert.True(match.Success, body.GetProperty("url").GetString());
        var code = match.Groups["code"].Value;
        var expiresAt = body.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10.1));

        var stored = Assert.Single(await factory.QueryAsync(db => db.TelegramLinkCodes.Where(c => c.UserId == user).ToListAsync(Ct)));
        Assert.Equal(TelegramLinkCode.Hash(code), stored.CodeHash);
        Assert.NotEqual(code, stored.CodeHash);
        Assert.Null(stored.UsedAt);

        // A new link replaces the unused one: only the newest works.
        var second = await (await client.PostAsync("/api/notifications/telegram/link", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var newCode = DeepLink().Match(second.GetProperty("url").GetString()!).Groups["code"].Value;
        Assert.NotEqual(code, newCode);
        Assert.Equal(TelegramLinkCode.Hash(newCode),
            Assert.Single(await factory.QueryAsync(db => db.TelegramLinkCodes.Where(c => c.UserId == user).ToListAsync(Ct))).CodeHash);
    }

    [Fact]
    public async Task Linking_needs_a_token()
    {
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/notifications/telegram/link", null, Ct)).StatusCode);
    }

    [GeneratedRegex($"^https://t\\.me/{NotificationsFactory.BotUsername}\\?start=(?<code>[A-Za-z0-9_-]{{32}})$")]
    private static partial Regex DeepLink();
}
