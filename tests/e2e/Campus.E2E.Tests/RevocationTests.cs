using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;

namespace Campus.E2E.Tests;

/// <summary>
/// Role and status changes and logout take effect at once through the edge: a demoted or blocked admin's held access
/// token cannot restore itself, a demoted author cannot create courses, a logged-out token gets 401 within seconds, and
/// a blocked user's open chat socket is closed.
/// </summary>
public sealed class RevocationTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demoted_admin_cannot_regrant_itself_with_the_token_it_holds()
    {
        var demoted = await SignIn.WithRolesAsync("admin");
        using (var ok = await Api.SendAsync(demoted, HttpMethod.Get, "api/auth/users?limit=1"))
        {
            await Api.ExpectAsync(ok, HttpStatusCode.OK);
        }

        using (var demote = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Put, $"api/auth/users/{demoted.UserId}/roles", new { roles = new[] { "student" } }))
        {
            await Api.ExpectAsync(demote, HttpStatusCode.OK);
        }

        using (var regrant = await Api.SendAsync(demoted, HttpMethod.Put, $"api/auth/users/{demoted.UserId}/roles", new { roles = new[] { "admin" } }))
        {
            await Api.ExpectCodeAsync(regrant, HttpStatusCode.Unauthorized, "token_revoked");
        }
        // The refreshed token carries the current roles: no admin.
        var refreshed = await RefreshAsync(demoted);
        Assert.Equal("student", SignIn.Claims(refreshed).GetProperty("roles").GetString());
        using (var again = await Api.SendAsync(refreshed, HttpMethod.Put, $"api/auth/users/{demoted.UserId}/roles", new { roles = new[] { "admin" } }))
        {
            await Api.ExpectAsync(again, HttpStatusCode.Forbidden);
        }
        using var me = await Api.SendAsync(refreshed, HttpMethod.Get, "api/auth/me");
        Assert.Equal(["student"], (await Api.ExpectAsync(me, HttpStatusCode.OK)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Blocked_admin_cannot_unblock_itself_and_loses_its_sessions()
    {
        var blocked = await SignIn.WithRolesAsync("admin");

        using (var block = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Post, $"api/auth/users/{blocked.UserId}/block"))
        {
            await Api.ExpectAsync(block, HttpStatusCode.OK);
        }

        using (var unblock = await Api.SendAsync(blocked, HttpMethod.Post, $"api/auth/users/{blocked.UserId}/unblock"))
        {
            await Api.ExpectCodeAsync(unblock, HttpStatusCode.Unauthorized, "token_revoked");
        }
        using (var other = await Api.SendAsync(blocked, HttpMethod.Get, "api/profile/me"))
        {
            await Api.ExpectCodeAsync(other, HttpStatusCode.Unauthorized, "token_revoked");
        }
        using var refresh = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/token/refresh"),
            Api.Json(new { refresh_token = blocked.RefreshToken }), Ct);
        await Api.ExpectCodeAsync(refresh, HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Demoted_author_cannot_create_courses_with_the_token_it_holds()
    {
        var author = await SignIn.WithRolesAsync("author");
        using (var created = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title = "Before " + Guid.NewGuid().ToString("N")[..6] }))
        {
            await Api.ExpectAsync(created, HttpStatusCode.Created);
        }

        using (var demote = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Put, $"api/auth/users/{author.UserId}/roles", new { roles = new[] { "student" } }))
        {
            await Api.ExpectAsync(demote, HttpStatusCode.OK);
        }

        using var refused = await Api.SendAsync(author, HttpMethod.Post, "api/content/courses", new { title = "After " + Guid.NewGuid().ToString("N")[..6] });
        await Api.ExpectCodeAsync(refused, HttpStatusCode.Unauthorized, "token_revoked");
    }

    [Fact]
    public async Task Logout_needs_only_the_refresh_token()
    {
        var user = await SignIn.PhoneAsync();

        // No Authorization header at all, as a client whose access token expired would send it.
        using (var logout = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/logout"),
            Api.Json(new { refresh_token = user.RefreshToken }), TestContext.Current.CancellationToken))
        {
            await Api.ExpectAsync(logout, HttpStatusCode.NoContent);
        }

        using var refresh = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/token/refresh"),
            Api.Json(new { refresh_token = user.RefreshToken }), TestContext.Current.CancellationToken);
        await Api.ExpectCodeAsync(refresh, HttpStatusCode.Unauthorized, "refresh_token_invalid");
    }

    [Fact]
    public async Task Logout_makes_the_access_token_fail_within_seconds()
    {
        var user = await SignIn.PhoneAsync();
        using (var before = await Api.SendAsync(user, HttpMethod.Get, "api/auth/me"))
        {
            await Api.ExpectAsync(before, HttpStatusCode.OK);
        }

        using (var logout = await Api.SendAsync(user, HttpMethod.Post, "api/auth/logout", new { refresh_token = user.RefreshToken }))
        {
            await Api.ExpectAsync(logout, HttpStatusCode.NoContent);
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var after = await Api.SendAsync(user, HttpMethod.Get, "api/profile/me");
            if (after.StatusCode == HttpStatusCode.Unauthorized || clock.Elapsed > Within)
            {
                await Api.ExpectCodeAsync(after, HttpStatusCode.Unauthorized, "token_revoked");
                break;
            }
            await Task.Delay(200, Ct);
        }
        var status = await ChatApi.HandshakeStatusAsync($"ws/chats/{Guid.NewGuid()}", socket => ChatApi.OfferToken(socket, user.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Blocked_users_open_chat_socket_is_closed()
    {
        var (user, friend) = (await SignIn.PhoneAsync(), await SignIn.PhoneAsync());
        var chatId = await ChatApi.CreateGroupAsync(user, friend);
        using var socket = await ChatApi.ConnectAsync(user, chatId);

        using (var block = await Api.SendAsync(await SignIn.AdminAsync(), HttpMethod.Post, $"api/auth/users/{user.UserId}/block"))
        {
            await Api.ExpectAsync(block, HttpStatusCode.OK);
        }

        // The server closes the socket: reading ends with its close frame (frames sent before it are skipped).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Within);
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("token revoked", socket.CloseStatusDescription);
    }

    private static async Task<string> RefreshAsync(SignIn.Session session)
    {
        using var refreshed = await Http.Client.PostAsync(new Uri(Platform.EdgeUrl, "api/auth/token/refresh"),
            Api.Json(new { refresh_token = session.RefreshToken }), Ct);
        return (await Api.ExpectAsync(refreshed, HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
    }
}
