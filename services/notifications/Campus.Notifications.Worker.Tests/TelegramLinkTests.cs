using Campus.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Campus.Notifications.Worker.Tests;

/// <summary>The /start link flow: the worker polls the fake Bot API's getUpdates.</summary>
public sealed class TelegramLinkTests(PollingWorkerFactory factory) : IClassFixture<PollingWorkerFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_with_a_valid_code_links_the_chat_enables_telegram_publishes_the_event_and_confirms()
    {
        await using var probe = await factory.BindProbeAsync("notifications.telegram.linked");
        var user = Guid.NewGuid();
        await using (var db = factory.Database.CreateContext())
        {
            db.Contacts.Add(new Contact { UserId = user, Email = "ann@example.test", Locale = Locales.English, UpdatedAt = DateTimeOffset.UtcNow });
            db.UserSettings.Add(new UserSetting { UserId = user, TypeKey = NotificationTypes.MediaReady, Channel = Channels.Telegram, Enabled = false });
            db.TelegramLinkCodes.Add(new TelegramLinkCode { CodeHash = TelegramLinkCode.Hash("good-code-1"), UserId = user, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) });
            await db.SaveChangesAsync(Ct);
        }

        factory.Telegram.AddTextUpdate(chatId: 777001, username: "ann_tg", text: "/start good-code-1");

        var published = await probe.TakeAsync(match: null, TimeSpan.FromSeconds(10));
        Assert.NotNull(published);
        var evt = published.Value;
        Assert.Equal("notifications.telegram.linked", evt.GetProperty("type").GetString());
        Assert.Equal(user, evt.GetProperty("user_id").GetGuid());
        Assert.Equal(777001, evt.GetProperty("chat_id").GetInt64());
        Assert.Equal("ann_tg", evt.GetProperty("username").GetString());

        await using (var db = factory.Database.CreateContext())
        {
            var contact = await db.Contacts.SingleAsync(c => c.UserId == user, Ct);
            Assert.Equal(777001, contact.TelegramChatId);
            Assert.Equal("ann_tg", contact.TelegramUsername);
            Assert.Equal("ann@example.test", contact.Email);
            var settings = await db.UserSettings.Where(s => s.UserId == user && s.Channel == Channels.Telegram)
                .OrderBy(s => s.TypeKey).Select(s => new { s.TypeKey, s.Enabled }).ToListAsync(Ct);
            Assert.Equal(
                [NotificationTypes.CourseAssigned, NotificationTypes.CourseCompleted, NotificationTypes.CourseDueSoon,
                    NotificationTypes.CourseOverdue, NotificationTypes.CoursePublished, NotificationTypes.MediaFailed, NotificationTypes.MediaReady,
                    NotificationTypes.ReportReady],
                settings.Select(s => s.TypeKey));
            Assert.All(settings, s => Assert.True(s.Enabled));
            Assert.NotNull((await db.TelegramLinkCodes.SingleAsync(c => c.UserId == user, Ct)).UsedAt);
        }
        var reply = await WaitForReplyAsync(777001);
        Assert.Equal("Done! Campus notifications will arrive in this chat.", reply);
    }

    [Fact]
    public async Task Start_with_an_expired_or_unknown_code_gets_a_polite_reply_and_stores_nothing()
    {
        await factory.StartedAsync();
        var user = Guid.NewGuid();
        await using (var db = factory.Database.CreateContext())
        {
            db.TelegramLinkCodes.Add(new TelegramLinkCode { CodeHash = TelegramLinkCode.Hash("old-code"), UserId = user, ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
            await db.SaveChangesAsync(Ct);
        }

        factory.Telegram.AddTextUpdate(chatId: 777002, username: null, text: "/start old-code");
        factory.Telegram.AddTextUpdate(chatId: 777003, username: null, text: "/start no-such-code");

        Assert.Equal("Ссылка недействительна или устарела. Получите новую в настройках уведомлений Campus.", await WaitForReplyAsync(777002));
        Assert.Equal("Ссылка недействительна или устарела. Получите новую в настройках уведомлений Campus.", await WaitForReplyAsync(777003));
        await using (var db = factory.Database.CreateContext())
        {
            Assert.False(await db.Contacts.AnyAsync(c => c.UserId == user || c.TelegramChatId == 777002 || c.TelegramChatId == 777003, Ct));
            Assert.False(await db.UserSettings.AnyAsync(s => s.UserId == user, Ct));
            Assert.Null((await db.TelegramLinkCodes.SingleAsync(c => c.UserId == user, Ct)).UsedAt);
        }
    }

    [Fact]
    public async Task A_chat_linked_to_another_account_moves_only_after_confirm_in_the_bot()
    {
        await factory.StartedAsync();
        await using var probe = await factory.BindProbeAsync("notifications.telegram.linked");
        var (victim, attacker) = (Guid.NewGuid(), Guid.NewGuid());
        const long chat = 777010;
        await using (var db = factory.Database.CreateContext())
        {
            db.Contacts.Add(new Contact { UserId = victim, TelegramChatId = chat, TelegramUsername = "victim_tg", Locale = Locales.English, UpdatedAt = DateTimeOffset.UtcNow });
            db.TelegramLinkCodes.Add(new TelegramLinkCode { CodeHash = TelegramLinkCode.Hash("attacker-code"), UserId = attacker, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) });
            await db.SaveChangesAsync(Ct);
        }

        // The victim opens the attacker's link: the bot asks (in the chat user's language), and nothing moves.
        factory.Telegram.AddTextUpdate(chatId: chat, username: "victim_tg", text: "/start attacker-code");
        var question = await WaitForReplyAsync(chat);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, Telegram.TelegramLinking.Replies.ConfirmRu, "attacker-code"), question);
        Assert.Contains("\n/confirm attacker-code\n", question, StringComparison.Ordinal);
        await using (var db = factory.Database.CreateContext())
        {
            Assert.Equal(chat, (await db.Contacts.SingleAsync(c => c.UserId == victim, Ct)).TelegramChatId);
            Assert.False(await db.Contacts.AnyAsync(c => c.UserId == attacker, Ct));
            Assert.Null((await db.TelegramLinkCodes.SingleAsync(c => c.UserId == attacker, Ct)).UsedAt);
        }
        Assert.Null(await probe.TakeAsync(match: null, TimeSpan.FromSeconds(1)));

        // Only a deliberate /confirm with the code moves the chat, and the account it leaves stops sending to it.
        factory.Telegram.AddTextUpdate(chatId: chat, username: "victim_tg", text: "/confirm attacker-code");
        var published = await probe.TakeAsync(match: null, TimeSpan.FromSeconds(10));
        Assert.NotNull(published);
        Assert.Equal(attacker, published.Value.GetProperty("user_id").GetGuid());
        await using (var db = factory.Database.CreateContext())
        {
            Assert.Null((await db.Contacts.SingleAsync(c => c.UserId == victim, Ct)).TelegramChatId);
            Assert.Equal(chat, (await db.Contacts.SingleAsync(c => c.UserId == attacker, Ct)).TelegramChatId);
        }
    }

    [Fact]
    public void Start_codes_are_read_from_direct_and_group_commands()
    {
        Assert.True(Telegram.TelegramLinking.TryGetStartCode("/start abc", out var code));
        Assert.Equal("abc", code);
        Assert.True(Telegram.TelegramLinking.TryGetStartCode("/start@CampusBot  xyz ", out code));
        Assert.Equal("xyz", code);
        Assert.False(Telegram.TelegramLinking.TryGetStartCode("hello", out _));
        Assert.False(Telegram.TelegramLinking.TryGetStartCode("/starting x", out _));
    }

    private async Task<string?> WaitForReplyAsync(long chatId)
    {
        for (var i = 0; i < 200; i++)
        {
            if (factory.Telegram.SendMessageCalls.FirstOrDefault(c => c.ChatId == chatId) is { } call)
            {
                return call.Text;
            }
            await Task.Delay(50, Ct);
        }
        return null;
    }
}
