using System.Net.Http.Json;
using System.Text.Json;
using Campus.Messaging;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Profile.Tests;

public sealed class TelegramBindingTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Telegram_linked_creates_the_binding_a_repeat_is_harmless_and_a_chat_moves_to_the_last_account()
    {
        await factory.WaitUntilReadyAsync();
        var queue = factory.Broker.QueuePrefix + "profile.telegram-linked";
        var consumed = factory.Services.GetRequiredService<ConsumerProgress>();
        var settled = consumed.Settled("profile.telegram-linked");
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        var chatId = Random.Shared.NextInt64(1, long.MaxValue);
        var linked = Serialize(me, chatId, "@me_on_tg");

        await factory.PublishAsync("notifications.telegram.linked", linked);
        await factory.PublishAsync("notifications.telegram.linked", linked);
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.SocialBindings.AnyAsync(b => b.UserId == me, Ct)));
        await Wait.UntilAsync(() => consumed.Settled("profile.telegram-linked") >= settled + 2);

        using var client = factory.ClientFor(me);
        var binding = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/profile/social", Ct)).EnumerateArray());
        Assert.Equal(("telegram", chatId.ToString(System.Globalization.CultureInfo.InvariantCulture), "me_on_tg"),
            (binding.GetProperty("provider").GetString(), binding.GetProperty("external_id").GetString(), binding.GetProperty("username").GetString()));

        // The same chat linked by another account: the chat is theirs now.
        await factory.PublishAsync("notifications.telegram.linked", Serialize(other, chatId, null));
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.SocialBindings.AnyAsync(b => b.UserId == other, Ct)));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/profile/social", Ct)).EnumerateArray());
        Assert.Equal(0u, await RabbitMqTestScope.MessageCountAsync(queue + ".dlq"));
    }

    private static string Serialize(Guid userId, long chatId, string? username) => JsonSerializer.Serialize(new
    {
        id = Guid.NewGuid(), type = "notifications.telegram.linked", occurred_at = DateTimeOffset.UtcNow,
        user_id = userId, chat_id = chatId, username,
    });
}
