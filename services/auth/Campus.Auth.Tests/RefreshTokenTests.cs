using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Auth.Data;
using Campus.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Auth.Tests;

/// <summary>POST /token/refresh and /logout: rotation, the reuse grace window, family revocation, concurrency.</summary>
public sealed class RefreshTokenTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refresh_rotates_the_token_and_stores_only_its_hash()
    {
        var (user, tokens) = await factory.IssueAsync();

        var response = await RefreshAsync(tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var successor = body.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(tokens.RefreshToken, successor);
        Assert.Equal(user.Id, body.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(successor)).StatusCode);

        await using var db = factory.Database.CreateContext();
        var rows = await db.RefreshTokens.Where(t => t.Session!.UserId == user.Id).ToListAsync(Ct);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal(32, row.TokenHash.Length));
    }

    [Fact]
    public async Task Rotated_token_within_the_grace_window_returns_the_current_successor_pair()
    {
        var (_, tokens) = await factory.IssueAsync();
        var first = await ReadRefreshTokenAsync(await RefreshAsync(tokens.RefreshToken));
        factory.Time.Advance(TimeSpan.FromSeconds(4));
        var second = await ReadRefreshTokenAsync(await RefreshAsync(first));
        factory.Time.Advance(TimeSpan.FromSeconds(5));

        // The original token (rotated 9 s ago) answers the live token two rotations later, and rotates nothing.
        var replay = await RefreshAsync(tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(second, await ReadRefreshTokenAsync(replay));
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(second)).StatusCode);
    }

    [Fact]
    public async Task Rotated_token_after_the_grace_window_revokes_the_session()
    {
        var (_, tokens) = await factory.IssueAsync();
        var successor = await ReadRefreshTokenAsync(await RefreshAsync(tokens.RefreshToken));
        factory.Time.Advance(TimeSpan.FromSeconds(11));

        var reuse = await RefreshAsync(tokens.RefreshToken);

        await AssertProblemAsync(reuse, HttpStatusCode.Unauthorized, "refresh_token_reused");
        // The whole family is gone: the legitimate successor no longer works either.
        await AssertProblemAsync(await RefreshAsync(successor), HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Concurrent_refreshes_of_one_token_rotate_it_once()
    {
        var (user, tokens) = await factory.IssueAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => RefreshAsync(tokens.RefreshToken)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var successors = await Task.WhenAll(responses.Select(ReadRefreshTokenAsync));
        Assert.Single(successors.Distinct());
        await using var db = factory.Database.CreateContext();
        Assert.Equal(2, await db.RefreshTokens.CountAsync(t => t.Session!.UserId == user.Id, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well-formed, unknown
    public async Task Unknown_or_malformed_token_is_refresh_token_invalid(string token)
    {
        await AssertProblemAsync(await RefreshAsync(token), HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Expired_token_is_refresh_token_invalid()
    {
        var (_, tokens) = await factory.IssueAsync();
        factory.Time.Advance(TimeSpan.FromDays(30));

        await AssertProblemAsync(await RefreshAsync(tokens.RefreshToken), HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Blocked_user_cannot_refresh()
    {
        var (user, tokens) = await factory.IssueAsync();
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UserStatus.Blocked), Ct);
        }

        await AssertProblemAsync(await RefreshAsync(tokens.RefreshToken), HttpStatusCode.Forbidden, "user_blocked");
    }

    [Fact]
    public async Task Logout_revokes_the_session_and_answers_204_again_for_a_revoked_token()
    {
        var (_, tokens) = await factory.IssueAsync();

        var logout = await _client.PostAsJsonAsync("/api/auth/logout", new { refresh_token = tokens.RefreshToken }, Ct);
        var again = await _client.PostAsJsonAsync("/api/auth/logout", new { refresh_token = tokens.RefreshToken }, Ct);
        var unknown = await _client.PostAsJsonAsync("/api/auth/logout", new { refresh_token = "garbage" }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, unknown.StatusCode);
        await AssertProblemAsync(await RefreshAsync(tokens.RefreshToken), HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Logout_of_all_sessions_revokes_every_session_of_the_user()
    {
        var (user, first) = await factory.IssueAsync();
        TokenResponseSecond second;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            var issuer = scope.ServiceProvider.GetRequiredService<Campus.Auth.Tokens.TokenIssuer>();
            var tracked = await db.Users.SingleAsync(u => u.Id == user.Id, Ct);
            second = new((await issuer.IssueAsync(tracked, false, Ct)).RefreshToken);
        }

        var logout = await _client.PostAsJsonAsync("/api/auth/logout", new { refresh_token = first.RefreshToken, all_sessions = true }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await AssertProblemAsync(await RefreshAsync(second.RefreshToken), HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Refresh_token_reuse_puts_the_session_on_the_access_token_deny_list()
    {
        var (_, tokens) = await factory.IssueAsync();
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).GetClaim("sid").Value;
        var redis = factory.Services.GetRequiredService<StackExchange.Redis.IDatabase>();
        await ReadRefreshTokenAsync(await RefreshAsync(tokens.RefreshToken));
        factory.Time.Advance(TimeSpan.FromSeconds(11));

        var reuse = await RefreshAsync(tokens.RefreshToken);

        await AssertProblemAsync(reuse, HttpStatusCode.Unauthorized, "refresh_token_reused");
        // What the gateway, the services and the chat nodes read: every access token of the session is void now.
        Assert.True(await redis.KeyExistsAsync(TokenRevocation.SessionKey(sid)));
        var ttl = await redis.KeyTimeToLiveAsync(TokenRevocation.SessionKey(sid));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(20));
    }

    private sealed record TokenResponseSecond(string RefreshToken);

    private Task<HttpResponseMessage> RefreshAsync(string token) =>
        _client.PostAsJsonAsync("/api/auth/token/refresh", new { refresh_token = token }, Ct);

    private static async Task<string> ReadRefreshTokenAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refresh_token").GetString()!;
    }
}
