using Campus.Notifications.Worker.Delivery;
using Campus.Notifications.Worker.Telegram;
using Campus.Notifications.Worker.Tests.Fakes;
using Microsoft.Extensions.Options;

namespace Campus.Notifications.Worker.Tests;

/// <summary>The Telegram sender against a fake Bot API: the exact request, and how each error is classified.</summary>
public sealed class TelegramSenderTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeTelegramApi _api = null!;
    private TelegramSender _sender = null!;

    public async ValueTask InitializeAsync()
    {
        _api = await FakeTelegramApi.StartAsync();
        _sender = Create(_api.BaseUrl, FakeTelegramApi.Token);
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    private static TelegramSender Create(string baseUrl, string? token)
    {
        var options = Options.Create(new TelegramOptions { BaseUrl = baseUrl, BotToken = token, RequestTimeout = TimeSpan.FromSeconds(5) });
        return new TelegramSender(new TelegramBotClients(new PlainHttpClients(), options), options);
    }

    [Fact]
    public async Task Sends_one_sendMessage_with_the_chat_id_and_text()
    {
        await _sender.SendAsync(424242, "Курс «Безопасность» опубликован", Ct);

        var call = Assert.Single(_api.Calls);
        Assert.Equal("sendMessage", call.Method);
        Assert.Equal(424242, call.ChatId);
        Assert.Equal("Курс «Безопасность» опубликован", call.Text);
    }

    [Fact]
    public async Task A_429_is_transient_with_its_retry_after_and_is_not_retried_by_the_library()
    {
        _api.SendMessageReply = _ => FakeTelegramApi.Error(429, "Too Many Requests: retry after 3", retryAfter: 3);

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(1, "hi", Ct));

        Assert.False(ex.IsPermanent);
        Assert.Equal(TimeSpan.FromSeconds(3), ex.RetryAfter);
        Assert.Equal("Telegram 429: Too Many Requests: retry after 3", ex.Message);
        Assert.Single(_api.Calls);
    }

    [Theory]
    [InlineData(403, "Forbidden: bot was blocked by the user")]
    [InlineData(400, "Bad Request: chat not found")]
    public async Task Blocked_bot_and_unknown_chat_are_permanent(int status, string description)
    {
        _api.SendMessageReply = _ => FakeTelegramApi.Error(status, description);

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(1, "hi", Ct));

        Assert.True(ex.IsPermanent);
        Assert.Equal($"Telegram {status}: {description}", ex.Message);
    }

    [Fact]
    public async Task A_5xx_is_transient()
    {
        _api.SendMessageReply = _ => FakeTelegramApi.Error(502, "Bad Gateway");

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => _sender.SendAsync(1, "hi", Ct));

        Assert.False(ex.IsPermanent);
        Assert.Null(ex.RetryAfter);
    }

    [Fact]
    public async Task An_unreachable_api_is_transient_and_the_error_does_not_contain_the_token()
    {
        var sender = Create("http://127.0.0.1:1", FakeTelegramApi.Token);

        var ex = await Assert.ThrowsAsync<DeliveryException>(() => sender.SendAsync(1, "hi", Ct));

        Assert.False(ex.IsPermanent);
        Assert.DoesNotContain(FakeTelegramApi.Token, ex.Message);
        Assert.DoesNotContain("TEST-token", ex.Message);
    }

    [Fact]
    public async Task Without_a_bot_token_a_send_fails_permanently()
    {
        var ex = await Assert.ThrowsAsync<DeliveryException>(() => Create(_api.BaseUrl, null).SendAsync(1, "hi", Ct));

        Assert.True(ex.IsPermanent);
        Assert.Empty(_api.Calls);
    }

    private sealed class PlainHttpClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new() { Timeout = TimeSpan.FromSeconds(5) };
    }
}
