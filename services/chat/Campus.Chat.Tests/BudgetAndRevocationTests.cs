using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Campus.Redis;
using Campus.Testing;
using StackExchange.Redis;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>Two nodes where a user may hold 3 sockets and post 5 messages a minute.</summary>
public sealed class SmallBudgetCluster() : ChatCluster(new()
{
    ["Chat:MaxSocketsPerUser"] = "3",
    ["Chat:MaxPostsPerUser"] = "5",
    ["Chat:PostRateWindow"] = "00:01:00",
});

/// <summary>
/// Per-user socket and post budgets that hold across nodes, and sockets closed when auth revokes their token.
/// </summary>
public sealed class BudgetAndRevocationTests(SmallBudgetCluster cluster) : IClassFixture<SmallBudgetCluster>, IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;

    private string Prefix => cluster.A.SharedSettings["Redis:KeyPrefix"]!;

    public async ValueTask InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(TestInfrastructure.RedisConnectionString);

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_user_holds_at_most_the_socket_budget_across_both_nodes()
    {
        var user = Guid.NewGuid();
        using var client = cluster.A.ClientFor(cluster.Jwt, user);
        var chat = await client.CreateGroupAsync(Guid.NewGuid());
        var token = cluster.Jwt.CreateToken(user);

        await using var first = await TestSocket.ConnectAsync(cluster.A, token, chat);
        await using var second = await TestSocket.ConnectAsync(cluster.B, token, chat);
        var third = await TestSocket.ConnectAsync(cluster.A, token, chat);

        Assert.Equal(429, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.B, token, chat)));
        Assert.Equal(429, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.A, token, chat)));
        // Another user is not affected.
        var other = Guid.NewGuid();
        using var otherClient = cluster.A.ClientFor(cluster.Jwt, other);
        var otherChat = await otherClient.CreateGroupAsync(user);
        await using var otherSocket = await TestSocket.ConnectAsync(cluster.B, cluster.Jwt.CreateToken(other), otherChat);

        // A closed socket gives its place back.
        await third.DisposeAsync();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                await (await TestSocket.ConnectAsync(cluster.B, token, chat)).DisposeAsync();
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }, 10);
    }

    [Fact]
    public async Task Posts_beyond_the_budget_get_an_error_frame_or_429_across_nodes_and_sockets()
    {
        var user = Guid.NewGuid();
        using var client = cluster.B.ClientFor(cluster.Jwt, user);
        var chat = await client.CreateGroupAsync(Guid.NewGuid());
        var token = cluster.Jwt.CreateToken(user);
        await using var onA = await TestSocket.ConnectAsync(cluster.A, token, chat);
        await using var onB = await TestSocket.ConnectAsync(cluster.B, token, chat);

        for (var i = 0; i < 3; i++)
        {
            await onA.SendAsync(new { type = "message.post", body = $"a{i}", client_msg_id = Guid.NewGuid().ToString() });
            await onA.NextAsync("message.ack");
        }
        for (var i = 0; i < 2; i++)
        {
            await onB.SendAsync(new { type = "message.post", body = $"b{i}", client_msg_id = Guid.NewGuid().ToString() });
            await onB.NextAsync("message.ack");
        }

        await onB.SendAsync(new { type = "message.post", body = "one too many", client_msg_id = Guid.NewGuid().ToString() });
        var error = await onB.NextAsync("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        var rest = await client.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "rest too", client_msg_id = "r1" }, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.Equal("rate_limited", await CodeAsync(rest));
        Assert.NotNull(rest.Headers.RetryAfter?.Delta);

        var history = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/chat/chats/{chat}/messages", Ct);
        Assert.Equal(5, history.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Revoked_session_closes_its_sockets_on_both_nodes_and_cannot_open_new_ones()
    {
        var (user, session) = (Guid.NewGuid(), Guid.NewGuid());
        using var client = cluster.A.ClientFor(cluster.Jwt, user);
        var chat = await client.CreateGroupAsync(Guid.NewGuid());
        var token = cluster.Jwt.CreateToken(user, sessionId: session);
        var otherSession = cluster.Jwt.CreateToken(user);
        await using var onA = await TestSocket.ConnectAsync(cluster.A, token, chat);
        await using var onB = await TestSocket.ConnectAsync(cluster.B, token, chat);
        await using var untouched = await TestSocket.ConnectAsync(cluster.B, otherSession, chat);

        // What auth does on logout: the deny-list entry, then the announcement (to both nodes).
        await _redis.GetDatabase().StringSetAsync($"{Prefix}auth:revoked:sid:{session}", 1, TimeSpan.FromMinutes(1));
        await AnnounceAsync(new RevocationNotice(SessionId: session));

        await onA.WaitClosedAsync();
        await onB.WaitClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, onA.Socket.CloseStatus);
        Assert.Equal("token revoked", onB.Socket.CloseStatusDescription);
        Assert.Equal(WebSocketState.Open, untouched.Socket.State);
        Assert.Equal(401, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.A, token, chat)));
    }

    [Fact]
    public async Task Revoking_a_users_tokens_below_a_version_closes_their_older_sockets()
    {
        var user = Guid.NewGuid();
        using var client = cluster.A.ClientFor(cluster.Jwt, user);
        var chat = await client.CreateGroupAsync(Guid.NewGuid());
        await using var old = await TestSocket.ConnectAsync(cluster.A, cluster.Jwt.CreateToken(user, securityVersion: 0), chat);
        await using var current = await TestSocket.ConnectAsync(cluster.B, cluster.Jwt.CreateToken(user, securityVersion: 1), chat);

        // What auth does when it raises a user's security version: the deny-list entry, then the announcement. The entry
        // is what closes a socket whose handshake was answered but which joined after the announcement went by.
        await _redis.GetDatabase().StringSetAsync($"{Prefix}auth:revoked:user:{user}", 1, TimeSpan.FromMinutes(1));
        await AnnounceAsync(new RevocationNotice(UserId: user, MinVersion: 1));

        await old.WaitClosedAsync();
        Assert.Equal("token revoked", old.Socket.CloseStatusDescription);
        Assert.Equal(WebSocketState.Open, current.Socket.State);
    }

    /// <summary>Publishes on auth's channel until both nodes are subscribed (PUBLISH answers how many received it).</summary>
    private async Task AnnounceAsync(RevocationNotice notice)
    {
        var channel = RedisChannel.Literal(Prefix + "auth:revocations");
        await Wait.UntilAsync(async () => await _redis.GetSubscriber().PublishAsync(channel, notice.ToUtf8()) >= 2, 10);
    }
}
