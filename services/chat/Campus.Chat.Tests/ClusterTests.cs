using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Chat.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>Two nodes on one database and one Redis: what a socket on one node sees of changes made through the other.</summary>
public sealed class ClusterTests(ChatCluster cluster) : IClassFixture<ChatCluster>
{
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    private string Token(Guid user, string roles = "student") => cluster.Jwt.CreateToken(user, roles);

    [Fact]
    public async Task A_socket_on_node_A_receives_what_is_posted_through_node_B_in_seq_order()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bobOnB = cluster.B.ClientFor(cluster.Jwt, _bob);
        using var aliceOnB = cluster.B.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var socket = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat);
        Assert.Equal("campus.v1", socket.Socket.SubProtocol);

        // Concurrent posts from two users through node B (and one through A): seqs are assigned by PostgreSQL.
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? bobOnB : aliceOnB).PostMessageAsync(chat, $"m{i}"))
            .Append(alice.PostMessageAsync(chat, "from A")));

        Assert.Equal(Enumerable.Range(1, 31).Select(i => (long)i), await socket.CreatedSeqsAsync(31));
    }

    [Fact]
    public async Task Edits_and_deletes_propagate_to_sockets_on_the_other_node()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bobOnB = cluster.B.ClientFor(cluster.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var socket = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat);
        var seq = (await bobOnB.PostMessageAsync(chat, "helo")).GetProperty("seq").GetInt64();
        await socket.NextAsync("message.created");

        var edit = await bobOnB.PatchAsJsonAsync($"/api/chat/chats/{chat}/messages/{seq}", new { body = "hello" }, Ct);
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        var edited = (await socket.NextAsync("message.edited")).GetProperty("message");
        Assert.Equal("hello", edited.GetProperty("body").GetString());
        Assert.NotEqual(JsonValueKind.Null, edited.GetProperty("edited_at").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await bobOnB.DeleteAsync($"/api/chat/chats/{chat}/messages/{seq}", Ct)).StatusCode);
        var deleted = await socket.NextAsync("message.deleted");
        Assert.Equal(chat, deleted.GetProperty("chat_id").GetGuid());
        Assert.Equal(seq, deleted.GetProperty("seq").GetInt64());

        var history = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages", Ct);
        var kept = history.GetProperty("items")[0];
        Assert.Equal(seq, kept.GetProperty("seq").GetInt64());
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("body").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, kept.GetProperty("deleted_at").ValueKind);
    }

    [Fact]
    public async Task A_moderator_delete_reaches_everyone_and_members_cannot_delete_or_edit_others()
    {
        var carol = Guid.NewGuid();
        using var moderator = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bob = cluster.B.ClientFor(cluster.Jwt, _bob);
        using var carolClient = cluster.B.ClientFor(cluster.Jwt, carol);
        var chat = await moderator.CreateGroupAsync(_bob, carol);
        await using var onA = await TestSocket.ConnectAsync(cluster.A, Token(_bob), chat);
        await using var onB = await TestSocket.ConnectAsync(cluster.B, Token(carol), chat, tokenInHeader: true);
        var seq = (await bob.PostMessageAsync(chat, "spam")).GetProperty("seq").GetInt64();

        var byCarol = await carolClient.DeleteAsync($"/api/chat/chats/{chat}/messages/{seq}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, byCarol.StatusCode);
        Assert.Equal("not_allowed", await CodeAsync(byCarol));
        var edit = await carolClient.PatchAsJsonAsync($"/api/chat/chats/{chat}/messages/{seq}", new { body = "x" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        Assert.Equal("not_author", await CodeAsync(edit));

        Assert.Equal(HttpStatusCode.NoContent, (await moderator.DeleteAsync($"/api/chat/chats/{chat}/messages/{seq}", Ct)).StatusCode);
        Assert.Equal(seq, (await onA.NextAsync("message.deleted")).GetProperty("seq").GetInt64());
        Assert.Equal(seq, (await onB.NextAsync("message.deleted")).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_non_participant_is_refused_with_403_and_a_missing_bad_or_query_string_token_with_401()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var stranger = Token(Guid.NewGuid());

        Assert.Equal(403, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.B, stranger, chat)));
        Assert.Equal(401, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.B, null, chat)));
        Assert.Equal(401, await TestSocket.RefusedStatusAsync(() => TestSocket.ConnectAsync(cluster.B, Token(_alice)[..^4] + "AAAA", chat)));
        Assert.Equal(401, await TestSocket.RefusedStatusAsync(() =>
            TestSocket.ConnectAsync(cluster.B, null, chat, query: $"?access_token={Token(_alice)}")));
    }

    [Fact]
    public async Task Reconnecting_with_since_seq_yields_exactly_the_missed_messages_while_new_ones_keep_arriving()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bobOnB = cluster.B.ClientFor(cluster.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        long seen;
        await using (var first = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat, sinceSeq: 0))
        {
            for (var i = 0; i < 5; i++)
            {
                await bobOnB.PostMessageAsync(chat, $"before {i}");
            }
            seen = (await first.CreatedSeqsAsync(5)).Last();
        }

        // Bob keeps posting while Alice is away and while she reconnects (to the other node).
        using var posting = new CancellationTokenSource();
        var posted = 0;
        var poster = Task.Run(async () =>
        {
            while (!posting.IsCancellationRequested)
            {
                await bobOnB.PostMessageAsync(chat, "during");
                Interlocked.Increment(ref posted);
            }
        }, Ct);
        while (Volatile.Read(ref posted) < 15)
        {
            await Task.Delay(10, Ct);
        }
        await using var second = await TestSocket.ConnectAsync(cluster.B, Token(_alice), chat, sinceSeq: seen);
        while (Volatile.Read(ref posted) < 40)
        {
            await Task.Delay(10, Ct);
        }
        await posting.CancelAsync();
        await poster;

        var total = 5 + Volatile.Read(ref posted);
        var seqs = await second.CreatedSeqsAsync(total - 5);
        Assert.Equal(Enumerable.Range(6, total - 5).Select(i => (long)i), seqs);
        Assert.True(await second.NoneAsync("message.created", TimeSpan.FromMilliseconds(300)), "a duplicate arrived");
    }

    [Fact]
    public async Task History_paging_by_seq_is_stable_while_messages_arrive()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bobOnB = cluster.B.ClientFor(cluster.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        for (var i = 0; i < 25; i++)
        {
            await alice.PostMessageAsync(chat, $"old {i}");
        }

        var first = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages?limit=10", Ct);
        var seqs = Seqs(first);
        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => (long)i), seqs);
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var before = seqs[^1];
        var pages = 0;
        while (true)
        {
            // New messages between pages do not shift the cursor.
            await bobOnB.PostMessageAsync(chat, "new");
            var page = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages?before_seq={before}&limit=10", Ct);
            var pageSeqs = Seqs(page);
            seqs.AddRange(pageSeqs);
            pages++;
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }
            before = pageSeqs[^1];
        }
        Assert.Equal(2, pages);
        Assert.Equal(Enumerable.Range(1, 25).Reverse().Select(i => (long)i), seqs);

        var after = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages?after_seq=25&limit=200", Ct);
        Assert.Equal([26L, 27L], Seqs(after));
        Assert.False(after.GetProperty("has_more").GetBoolean());

        var bad = await alice.GetAsync($"/api/chat/chats/{chat}/messages?after_seq=1&before_seq=5", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_cursor", await CodeAsync(bad));
    }

    [Fact]
    public async Task Posting_twice_with_one_client_msg_id_stores_one_message_on_either_node()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var aliceOnB = cluster.B.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        var id = Guid.NewGuid().ToString();

        var first = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "once", client_msg_id = id }, Ct);
        var again = await aliceOnB.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "once", client_msg_id = id }, Ct);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            aliceOnB.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "race", client_msg_id = "race" }, Ct)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var message = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(message.GetProperty("seq").GetInt64(), (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("seq").GetInt64());
        Assert.Equal(id, message.GetProperty("client_msg_id").GetString());
        Assert.Single(concurrent, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(concurrent, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK));
        // Seqs stay gapless: the raced posts rolled back their counter increments.
        Assert.Equal([2L, 1L], Seqs(await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages", Ct)));
    }

    [Fact]
    public async Task Socket_clients_post_with_an_ack_and_send_typing_and_read()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var aliceSocket = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat);
        await using var bobSocket = await TestSocket.ConnectAsync(cluster.B, Token(_bob), chat);

        await aliceSocket.SendAsync(new { type = "message.post", body = "hi via socket", client_msg_id = "s1" });
        var ack = await aliceSocket.NextAsync("message.ack");
        Assert.Equal("s1", ack.GetProperty("client_msg_id").GetString());
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        var created = (await bobSocket.NextAsync("message.created")).GetProperty("message");
        Assert.Equal("hi via socket", created.GetProperty("body").GetString());
        Assert.Equal(_alice, created.GetProperty("author_id").GetGuid());

        await bobSocket.SendAsync(new { type = "typing" });
        await bobSocket.SendAsync(new { type = "typing" }); // throttled: dropped
        Assert.Equal(_bob, (await aliceSocket.NextAsync("typing")).GetProperty("user_id").GetGuid());
        Assert.True(await bobSocket.NoneAsync("typing", TimeSpan.FromMilliseconds(200)), "typing echoed to the typist");
        await bobSocket.SendAsync(new { type = "read", seq = 1 });
        var read = await aliceSocket.NextAsync("read");
        Assert.Equal((_bob, 1L), (read.GetProperty("user_id").GetGuid(), read.GetProperty("seq").GetInt64()));
        Assert.True(await aliceSocket.NoneAsync("typing", TimeSpan.FromMilliseconds(200)));

        await bobSocket.SendAsync(new { type = "message.post", body = "" });
        Assert.Equal("body_required", (await bobSocket.NextAsync("error")).GetProperty("code").GetString());
        await bobSocket.SendAsync(new { type = "nonsense" });
        Assert.Equal("invalid_frame", (await bobSocket.NextAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_socket_post_with_a_control_character_is_refused_with_an_error_frame_and_nothing_is_stored()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var aliceSocket = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat);

        await aliceSocket.SendAsync(new { type = "message.post", body = "a\u0000b", client_msg_id = "nul" });
        var error = await aliceSocket.NextAsync("error");
        await aliceSocket.SendAsync(new { type = "message.post", body = "line 1\nline 2", client_msg_id = "ok" });
        var ack = await aliceSocket.NextAsync("message.ack");

        Assert.Equal("invalid_characters", error.GetProperty("code").GetString());
        Assert.Contains("U+0000", error.GetProperty("detail").GetString());
        Assert.Equal("ok", ack.GetProperty("client_msg_id").GetString());
        Assert.Equal([1L], Seqs(await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}/messages", Ct)));
    }

    [Fact]
    public async Task Removing_a_participant_closes_their_socket_and_hides_the_chat()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bob = cluster.B.ClientFor(cluster.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var bobSocket = await TestSocket.ConnectAsync(cluster.B, Token(_bob), chat);

        var byMember = await bob.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { Guid.NewGuid() } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal("not_moderator", await CodeAsync(byMember));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/chat/chats/{chat}/participants/{_bob}", Ct)).StatusCode);

        await bobSocket.WaitClosedAsync();
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, bobSocket.Socket.CloseStatus);
        var get = await bob.GetAsync($"/api/chat/chats/{chat}/messages", Ct);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("chat_not_found", await CodeAsync(get));
    }

    [Fact]
    public async Task A_socket_is_closed_when_its_token_expires()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var socket = await TestSocket.ConnectAsync(cluster.B, cluster.Jwt.CreateToken(_alice, lifetime: TimeSpan.FromSeconds(2)), chat);

        await socket.WaitClosedAsync();

        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, socket.Socket.CloseStatus);
        Assert.Equal("token expired", socket.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_lost_publish_is_filled_from_the_database_when_the_next_message_arrives()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        using var bobOnB = cluster.B.ClientFor(cluster.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        await using var socket = await TestSocket.ConnectAsync(cluster.A, Token(_alice), chat);

        await InsertUnpublishedAsync(chat, _bob, 3); // committed, but Redis never heard of them
        await bobOnB.PostMessageAsync(chat, "published");

        Assert.Equal([1L, 2L, 3L, 4L], await socket.CreatedSeqsAsync(4));
    }

    [Fact]
    public async Task Catching_up_from_since_seq_pages_through_a_long_history_in_order()
    {
        using var alice = cluster.A.ClientFor(cluster.Jwt, _alice);
        var chat = await alice.CreateGroupAsync(_bob);
        await InsertUnpublishedAsync(chat, _bob, 450);

        await using var socket = await TestSocket.ConnectAsync(cluster.B, Token(_alice), chat, sinceSeq: 7);
        await alice.PostMessageAsync(chat, "live");

        Assert.Equal(Enumerable.Range(8, 444).Select(i => (long)i), await socket.CreatedSeqsAsync(444));
        Assert.True(await socket.NoneAsync("message.created", TimeSpan.FromMilliseconds(200)), "a duplicate arrived");
    }

    /// <summary>Commits <paramref name="count"/> messages the way a post does, minus the publish (a node that died after its commit).</summary>
    private async Task InsertUnpublishedAsync(Guid chat, Guid author, int count)
    {
        await using var scope = cluster.A.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        await db.Database.ExecuteSqlAsync($"""
            WITH c AS (UPDATE chats SET last_seq = last_seq + {count} WHERE id = {chat} RETURNING last_seq)
            INSERT INTO messages (chat_id, seq, author_id, body, created_at)
            SELECT {chat}, c.last_seq - {count} + g, {author}, 'unpublished ' || g, now() FROM c, generate_series(1, {count}) g
            """, Ct);
    }

    private static List<long> Seqs(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();
}
