using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Profile.Social;
using Campus.Testing;

namespace Campus.Profile.Tests;

public sealed class SocialTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_lists_and_unlinks_only_their_own_bindings()
    {
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        await factory.QueryAsync(db =>
        {
            db.SocialBindings.Add(new SocialBinding { UserId = me, Provider = "telegram", ExternalId = "tg-" + me, Username = "me", LinkedAt = now });
            db.SocialBindings.Add(new SocialBinding { UserId = other, Provider = "telegram", ExternalId = "tg-" + other, LinkedAt = now });
            return db.SaveChangesAsync(Ct);
        });
        using var client = factory.ClientFor(me);

        var binding = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/profile/social", Ct)).EnumerateArray());
        Assert.Equal(("telegram", "tg-" + me, "me"), (binding.GetProperty("provider").GetString(), binding.GetProperty("external_id").GetString(), binding.GetProperty("username").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/profile/social/telegram", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/profile/social", Ct)).EnumerateArray());
        var again = await client.DeleteAsync("/api/profile/social/telegram", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("binding_not_found", await CodeAsync(again));

        using var otherClient = factory.ClientFor(other);
        Assert.Single((await otherClient.GetFromJsonAsync<JsonElement>("/api/profile/social", Ct)).EnumerateArray());
    }
}
