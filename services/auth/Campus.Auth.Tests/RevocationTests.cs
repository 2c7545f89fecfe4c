using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Auth.Data;
using Campus.Redis;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Campus.Auth.Tests;

/// <summary>
/// Role and status changes take effect at once: the caller's current roles and status are checked in the database, the
/// access tokens of a changed user are refused through the Redis deny-list, and logout voids the access token.
/// </summary>
public sealed class RevocationTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IDatabase Redis => factory.Services.GetRequiredService<IDatabase>();

    [Fact]
    public async Task Demoted_admin_cannot_regrant_itself_with_the_token_it_still_holds()
    {
        var (demoted, demotedTokens) = await factory.IssueAsync(["admin"]);
        var (_, other) = await factory.IssueAsync(["admin"]);
        using var otherClient = Authorized(other.AccessToken);
        using var demotedClient = Authorized(demotedTokens.AccessToken);

        var demote = await otherClient.PutAsJsonAsync($"/api/auth/users/{demoted.Id}/roles", new { roles = new[] { "student" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);

        // The held token is refused at once (deny-list)...
        var regrant = await demotedClient.PutAsJsonAsync($"/api/auth/users/{demoted.Id}/roles", new { roles = new[] { "admin" } }, Ct);
        await AssertProblemAsync(regrant, HttpStatusCode.Unauthorized, "token_revoked");
        // ...and even with the deny-list lost (Redis flushed), the caller's current roles are read from the database.
        await Redis.KeyDeleteAsync(TokenRevocation.UserKey(demoted.Id.ToString()));
        var again = await demotedClient.PutAsJsonAsync($"/api/auth/users/{Guid.NewGuid()}/roles", new { roles = new[] { "admin" } }, Ct);
        await AssertProblemAsync(again, HttpStatusCode.Forbidden, "admin_required");
        var list = await demotedClient.GetAsync("/api/auth/users", Ct);
        await AssertProblemAsync(list, HttpStatusCode.Forbidden, "admin_required");

        Assert.Equal(["student"], await RolesAsync(demoted.Id));
    }

    [Fact]
    public async Task Blocked_admin_cannot_unblock_itself_and_its_held_token_is_refused()
    {
        var (blocked, blockedTokens) = await factory.IssueAsync(["admin"]);
        var (_, other) = await factory.IssueAsync(["admin"]);
        using var otherClient = Authorized(other.AccessToken);
        using var blockedClient = Authorized(blockedTokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, (await otherClient.PostAsync($"/api/auth/users/{blocked.Id}/block", null, Ct)).StatusCode);

        var me = await blockedClient.GetAsync("/api/auth/me", Ct);
        await AssertProblemAsync(me, HttpStatusCode.Unauthorized, "token_revoked");
        await Redis.KeyDeleteAsync(TokenRevocation.UserKey(blocked.Id.ToString()));
        var unblock = await blockedClient.PostAsync($"/api/auth/users/{blocked.Id}/unblock", null, Ct);
        await AssertProblemAsync(unblock, HttpStatusCode.Forbidden, "admin_required");

        await using var db = factory.Database.CreateContext();
        Assert.Equal(UserStatus.Blocked, await db.Users.Where(u => u.Id == blocked.Id).Select(u => u.Status).SingleAsync(Ct));
    }

    [Fact]
    public async Task Nobody_changes_their_own_roles_or_unblocks_themselves()
    {
        var (admin, tokens) = await factory.IssueAsync(["admin"]);
        using var client = Authorized(tokens.AccessToken);

        var roles = await client.PutAsJsonAsync($"/api/auth/users/{admin.Id}/roles", new { roles = new[] { "student", "admin", "author" } }, Ct);
        var unblock = await client.PostAsync($"/api/auth/users/{admin.Id}/unblock", null, Ct);

        await AssertProblemAsync(roles, HttpStatusCode.Conflict, "cannot_change_own_roles");
        await AssertProblemAsync(unblock, HttpStatusCode.Conflict, "cannot_unblock_self");
        Assert.Equal(["admin"], await RolesAsync(admin.Id));
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_one_admin()
    {
        for (var round = 0; round < 5; round++)
        {
            var (a, aTokens) = await factory.IssueAsync(["admin"]);
            var (b, bTokens) = await factory.IssueAsync(["admin"]);
            using var aClient = Authorized(aTokens.AccessToken);
            using var bClient = Authorized(bTokens.AccessToken);

            var answers = await Task.WhenAll(
                aClient.PutAsJsonAsync($"/api/auth/users/{b.Id}/roles", new { roles = new[] { "student" } }, Ct),
                bClient.PutAsJsonAsync($"/api/auth/users/{a.Id}/roles", new { roles = new[] { "student" } }, Ct));

            Assert.Single(answers, answer => answer.StatusCode == HttpStatusCode.OK);
            var admins = (await RolesAsync(a.Id)).Contains("admin") ^ (await RolesAsync(b.Id)).Contains("admin");
            Assert.True(admins, "exactly one of the two must still be an admin");
        }
    }

    [Fact]
    public async Task Role_change_voids_the_access_token_and_the_next_refresh_carries_the_new_roles()
    {
        var (_, admin) = await factory.IssueAsync(["admin"]);
        var (author, tokens) = await factory.IssueAsync(["student"]);
        using var adminClient = Authorized(admin.AccessToken);
        using var authorClient = Authorized(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await authorClient.GetAsync("/api/auth/me", Ct)).StatusCode);

        var promoted = await adminClient.PutAsJsonAsync($"/api/auth/users/{author.Id}/roles", new { roles = new[] { "student", "author" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);

        await AssertProblemAsync(await authorClient.GetAsync("/api/auth/me", Ct), HttpStatusCode.Unauthorized, "token_revoked");
        using var anonymous = factory.CreateClient();
        var refreshed = await anonymous.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = tokens.RefreshToken }, Ct);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var fresh = (await refreshed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString()!;
        using var freshClient = Authorized(fresh);
        var me = await freshClient.GetFromJsonAsync<JsonElement>("/api/auth/me", Ct);
        Assert.Equal(["student", "author"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Logout_voids_that_sessions_access_token_and_logout_everywhere_voids_all()
    {
        var (user, first) = await factory.IssueAsync();
        var second = await IssueAnotherSessionAsync(user);
        using var firstClient = Authorized(first.AccessToken);
        using var secondClient = Authorized(second);
        using var anonymous = factory.CreateClient();

        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/auth/logout", new { refresh_token = first.RefreshToken }, Ct)).StatusCode);

        await AssertProblemAsync(await firstClient.GetAsync("/api/auth/me", Ct), HttpStatusCode.Unauthorized, "token_revoked");
        Assert.Equal(HttpStatusCode.OK, (await secondClient.GetAsync("/api/auth/me", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent,
            (await anonymous.PostAsJsonAsync("/api/auth/logout", new { refresh_token = first.RefreshToken, all_sessions = true }, Ct)).StatusCode);
        await AssertProblemAsync(await secondClient.GetAsync("/api/auth/me", Ct), HttpStatusCode.Unauthorized, "token_revoked");
    }

    [Fact]
    public async Task Every_issued_access_token_has_a_low_S_signature()
    {
        for (var i = 0; i < 16; i++)
        {
            var (_, tokens) = await factory.IssueAsync();
            // Without normalisation about half of .NET's ECDSA signatures have a high s.
            Assert.Equal(ForgedTokens.WithLowS(tokens.AccessToken), tokens.AccessToken);
            using var client = Authorized(tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me", Ct)).StatusCode);
        }
    }

    private async Task<string> IssueAnotherSessionAsync(User user)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var loaded = await db.Users.SingleAsync(u => u.Id == user.Id, Ct);
        var tokens = await scope.ServiceProvider.GetRequiredService<Campus.Auth.Tokens.TokenIssuer>().IssueAsync(loaded, false, Ct);
        return tokens.AccessToken;
    }

    private async Task<string[]> RolesAsync(Guid id)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Users.Where(u => u.Id == id).Select(u => u.Roles).SingleAsync(Ct);
    }

    private HttpClient Authorized(string accessToken)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }
}
