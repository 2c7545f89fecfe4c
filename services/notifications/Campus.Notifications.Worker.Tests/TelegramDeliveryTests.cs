using Campus.Notifications.Data;
using Campus.Notifications.Worker.Tests.Fakes;

namespace Campus.Notifications.Worker.Tests;

/// <summary>Telegram rows through the real broker and database to a fake Bot API.</summary>
public sealed class TelegramDeliveryTests(WorkerFactory factory) : IClassFixture<WorkerFactory>
{
    [Fact]
    public async Task Sends_exactly_one_sendMessage_with_the_chat_id_and_text()
    {
        var id = await factory.EnqueueAsync(Channels.Telegram, "100001", "Новый курс в Campus: «Охрана труда»");

        var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);

        Assert.Equal(1, row.Attempts);
        var call = Assert.Single(factory.Telegram.SendMessageCalls, c => c.ChatId == 100001);
        Assert.Equal("Новый курс в Campus: «Охрана труда»", call.Text);
    }

    [Fact]
    public async Task A_429_is_retried_no_earlier_than_its_retry_after()
    {
        var calls = 0;
        factory.Telegram.SendMessageReply = call => call.ChatId == 100002 && Interlocked.Increment(ref calls) == 1
            ? FakeTelegramApi.Error(429, "Too Many Requests: retry after 2", retryAfter: 2)
            : FakeTelegramApi.Ok(call);
        try
        {
            var id = await factory.EnqueueAsync(Channels.Telegram, "100002", "hello");

            var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Sent);

            Assert.Equal(2, row.Attempts);
            Assert.Equal("Telegram 429: Too Many Requests: retry after 2", row.LastError);
            var attempts = factory.Telegram.SendMessageCalls.Where(c => c.ChatId == 100002).ToList();
            Assert.Equal(2, attempts.Count);
            Assert.All(attempts, c => Assert.Equal("hello", c.Text));
            // The retry delay of attempt 1 is 200 ms here; Telegram asked for 2 s and gets them.
            Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromSeconds(2), $"retried after {attempts[1].At - attempts[0].At}");
        }
        finally
        {
            factory.Telegram.SendMessageReply = FakeTelegramApi.Ok;
        }
    }

    [Fact]
    public async Task A_bot_blocked_by_the_user_fails_the_row_at_once_and_dead_letters_it()
    {
        await factory.StartedAsync();
        var before = await factory.DeadLettersAsync();
        factory.Telegram.SendMessageReply = call => call.ChatId == 100003
            ? FakeTelegramApi.Error(403, "Forbidden: bot was blocked by the user")
            : FakeTelegramApi.Ok(call);
        try
        {
            var id = await factory.EnqueueAsync(Channels.Telegram, "100003", "hello");

            var row = await factory.WaitForRowAsync(id, r => r.Status == NotificationStatus.Failed);

            Assert.Equal(1, row.Attempts);
            Assert.Equal("Telegram 403: Forbidden: bot was blocked by the user", row.LastError);
            Assert.Single(factory.Telegram.SendMessageCalls, c => c.ChatId == 100003);
            for (var i = 0; i < 100 && await factory.DeadLettersAsync() == before; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            Assert.Equal(before + 1, await factory.DeadLettersAsync());
        }
        finally
        {
            factory.Telegram.SendMessageReply = FakeTelegramApi.Ok;
        }
    }

    [Fact]
    public async Task The_bot_token_never_reaches_the_logs()
    {
        factory.Telegram.SendMessageReply = call => call.ChatId == 100004 ? FakeTelegramApi.Error(502, "Bad Gateway") : FakeTelegramApi.Ok(call);
        try
        {
            var failing = await factory.EnqueueAsync(Channels.Telegram, "100004", "hello");
            var sent = await factory.EnqueueAsync(Channels.Telegram, "100005", "hello");
            await factory.WaitForRowAsync(failing, r => r.Status == NotificationStatus.Failed);
            await factory.WaitForRowAsync(sent, r => r.Status == NotificationStatus.Sent);

            Assert.NotEmpty(factory.Logs.Lines);
            Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains(FakeTelegramApi.Token, StringComparison.Ordinal));
            Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains("TEST-token", StringComparison.Ordinal));
        }
        finally
        {
            factory.Telegram.SendMessageReply = FakeTelegramApi.Ok;
        }
    }
}
