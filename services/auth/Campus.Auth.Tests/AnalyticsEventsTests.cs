using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;

namespace Campus.Auth.Tests;

/// <summary>What auth tells analytics: role and status changes, sign-ins, and its snapshot on a rebuild request.</summary>
public sealed class AnalyticsEventsTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Role_change_block_and_unblock_each_announce_the_users_roles_and_status()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (target, _) = await factory.IssueAsync();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.AccessToken);

        (await client.PutAsJsonAsync($"/api/auth/users/{target.Id}/roles", new { roles = new[] { "author", "student" } }, Ct)).EnsureSuccessStatusCode();
        (await client.PostAsync($"/api/auth/users/{target.Id}/block", null, Ct)).EnsureSuccessStatusCode();
        (await client.PostAsync($"/api/auth/users/{target.Id}/block", null, Ct)).EnsureSuccessStatusCode(); // already blocked: no event
        (await client.PostAsync($"/api/auth/users/{target.Id}/unblock", null, Ct)).EnsureSuccessStatusCode();

        var changes = (await factory.Database.OutboxEventsAsync("auth.user.changed"))
            .Where(e => e.GetProperty("user_id").GetGuid() == target.Id).ToList();
        Assert.Equal(
            [("student,author", "active"), ("student,author", "blocked"), ("student,author", "active")],
            changes.Select(e => (string.Join(',', e.GetProperty("roles").EnumerateArray().Select(r => r.GetString())), e.GetProperty("status").GetString()!)));
    }

    [Fact]
    public async Task Every_sign_in_is_announced_with_its_method_but_a_refresh_is_not()
    {
        var phone = AuthFactory.NewPhone();
        var tokens = await factory.SignInAsync(phone);
        var userId = tokens.GetProperty("user").GetProperty("id").GetGuid();
        using var client = factory.ClientFrom(AuthFactory.NewIp());
        (await client.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = tokens.GetProperty("refresh_token").GetString() }, Ct))
            .EnsureSuccessStatusCode();

        var signIns = (await factory.Database.OutboxEventsAsync("auth.user.signed_in"))
            .Where(e => e.GetProperty("user_id").GetGuid() == userId).ToList();
        var signIn = Assert.Single(signIns);
        Assert.Equal("phone", signIn.GetProperty("method").GetString());
    }

    [Fact]
    public async Task A_rebuild_request_republishes_every_announced_user_as_a_snapshot()
    {
        var (user, _) = await factory.IssueAsync(["student", "author"]);

        await factory.PublishAsync("analytics.rebuild.requested", new
        {
            id = Guid.NewGuid(), type = "analytics.rebuild.requested", occurred_at = DateTimeOffset.UtcNow, rebuild_id = Guid.NewGuid(),
        });

        JsonElement snapshot = default;
        await Wait.UntilAsync(async () =>
        {
            var found = (await factory.Database.OutboxEventsAsync("auth.user.snapshot"))
                .Where(e => e.GetProperty("user_id").GetGuid() == user.Id).ToList();
            snapshot = found.FirstOrDefault();
            return found.Count > 0;
        });
        Assert.Equal(user.Phone, snapshot.GetProperty("phone").GetString());
        Assert.Equal(["student", "author"], snapshot.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("active", snapshot.GetProperty("status").GetString());
        Assert.Equal(user.CreatedAt, snapshot.GetProperty("registered_at").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.NotEqual(JsonValueKind.Null, snapshot.GetProperty("last_sign_in_at").ValueKind);
    }
}
