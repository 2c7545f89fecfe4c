using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Chat.Chats;
using Campus.Chat.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>The REST contract on one node: chats, unread counts, direct chats, validation and access.</summary>
public sealed class ChatApiTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public async Task The_location_of_a_posted_message_is_a_get_for_participants_only()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        var posted = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages",
            new { body = "hello", client_msg_id = Guid.NewGuid().ToString() }, Ct);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var seq = (await posted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("seq").GetInt64();

        var message = await bob.GetAsync(posted.Headers.Location, Ct);

        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var body = await message.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("hello", body.GetProperty("body").GetString());
        Assert.Equal(seq, body.GetProperty("seq").GetInt64());
        var missing = await bob.GetAsync($"/api/chat/chats/{chat}/messages/{seq + 100}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("message_not_found", await CodeAsync(missing));
        using var stranger = factory.ClientFor(factory.Jwt, Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(posted.Headers.Location, Ct)).StatusCode);
    }

    [Fact]
    public async Task My_chats_show_unread_counts_and_the_last_message()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        var chat = await alice.CreateGroupAsync(_bob);
        await alice.PostMessageAsync(chat, "one");
        await alice.PostMessageAsync(chat, "two");
        await alice.PostMessageAsync(chat, "three");

        var bobs = await Mine(bob, chat);
        Assert.Equal(3, bobs.GetProperty("unread_count").GetInt32());
        Assert.Equal("three", bobs.GetProperty("last_message").GetProperty("body").GetString());
        Assert.Equal(3, bobs.GetProperty("last_seq").GetInt64());
        Assert.Equal(0, (await Mine(alice, chat)).GetProperty("unread_count").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await bob.PostAsJsonAsync($"/api/chat/chats/{chat}/read", new { seq = 2 }, Ct)).StatusCode);
        Assert.Equal(1, (await Mine(bob, chat)).GetProperty("unread_count").GetInt32());
        // A deleted message is not unread; the marker never moves backwards and is capped at the newest message.
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/chat/chats/{chat}/messages/3", Ct)).StatusCode);
        Assert.Equal(0, (await Mine(bob, chat)).GetProperty("unread_count").GetInt32());
        await bob.PostAsJsonAsync($"/api/chat/chats/{chat}/read", new { seq = 1 }, Ct);
        await bob.PostAsJsonAsync($"/api/chat/chats/{chat}/read", new { seq = 999 }, Ct);
        Assert.Equal(3, (await Mine(bob, chat)).GetProperty("last_read_seq").GetInt64());

        // Posting marks the chat read for its author.
        await alice.PostMessageAsync(chat, "four");
        await bob.PostMessageAsync(chat, "bob's own");
        Assert.Equal(0, (await Mine(bob, chat)).GetProperty("unread_count").GetInt32());
        Assert.Equal(1, (await Mine(alice, chat)).GetProperty("unread_count").GetInt32());

        var details = await bob.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}", Ct);
        Assert.Equal(2, details.GetProperty("participants").GetArrayLength());
        Assert.Equal("member", details.GetProperty("my_role").GetString());
    }

    [Fact]
    public async Task A_direct_chat_is_unique_per_pair_and_fixed_to_its_two_users()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        await factory.RegisterAsync(_alice, _bob);

        var created = await alice.PostAsJsonAsync("/api/chat/chats", new { type = "direct", participant_ids = new[] { _bob } }, Ct);
        var again = await bob.PostAsJsonAsync("/api/chat/chats", new { type = "direct", participant_ids = new[] { _alice } }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());

        var add = await alice.PostAsJsonAsync($"/api/chat/chats/{id}/participants", new { user_ids = new[] { Guid.NewGuid() } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, add.StatusCode); // nobody moderates a direct chat
        var three = await alice.PostAsJsonAsync("/api/chat/chats", new { type = "direct", participant_ids = new[] { _bob, Guid.NewGuid() } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, three.StatusCode);
        Assert.Equal("direct_needs_one_participant", await CodeAsync(three));
    }

    [Fact]
    public async Task Inputs_past_their_contract_bounds_are_refused_with_field_errors()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync();
        await alice.PostMessageAsync(chat, "one");

        // A message's seq is 1 or more: a path seq below is a field error, not a lookup.
        foreach (var request in new[]
        {
            new HttpRequestMessage(HttpMethod.Get, $"/api/chat/chats/{chat}/messages/0"),
            new HttpRequestMessage(HttpMethod.Patch, $"/api/chat/chats/{chat}/messages/-1") { Content = JsonContent.Create(new { body = "x" }) },
            new HttpRequestMessage(HttpMethod.Delete, $"/api/chat/chats/{chat}/messages/0"),
        })
        {
            var response = await alice.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("invalid_seq", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("seq", out _));
        }

        // maxItems counts the items sent, repeated ones too.
        var repeated = Enumerable.Repeat(_bob, ChatRules.MaxParticipantsPerRequest + 1).ToArray();
        var invite = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = repeated }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invite.StatusCode);
        Assert.Equal("invalid_user_ids", await CodeAsync(invite));
        var create = await alice.PostAsJsonAsync("/api/chat/chats", new { type = "group", title = "t", participant_ids = repeated }, Ct);
        Assert.Equal("too_many_participants", await CodeAsync(create));
        var attachments = Enumerable.Repeat(Guid.NewGuid(), ChatRules.MaxAttachmentsPerMessage + 1).ToArray();
        var post = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages",
            new { body = "x", client_msg_id = "many", attachment_ids = attachments }, Ct);
        Assert.Equal("too_many_attachments", await CodeAsync(post));

        // maxLength counts the characters sent, blanks included.
        var padded = await alice.PostAsJsonAsync("/api/chat/chats",
            new { type = "group", title = "t" + new string(' ', ChatRules.TitleLength) }, Ct);
        Assert.Equal("title_too_long", await CodeAsync(padded));
    }

    [Theory]
    [InlineData("", "body_required")]
    [InlineData("   ", "body_required")]
    [InlineData(null, "body_too_long")]
    public async Task Message_bodies_are_1_to_4000_characters(string? body, string code)
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync();
        var response = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = body ?? new string('x', 4001), client_msg_id = "m1" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await CodeAsync(response));
        Assert.Equal(HttpStatusCode.Created,
            (await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = new string('x', 4000), client_msg_id = "m2" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Required_fields_are_enforced_with_field_errors_and_pages_are_never_capped_silently()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync();
        await alice.PostMessageAsync(chat, "one");

        // A post without client_msg_id could not be retried safely: refused, naming the field.
        var noId = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "hi" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noId.StatusCode);
        var noIdProblem = await noId.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("client_msg_id_required", noIdProblem.GetProperty("code").GetString());
        Assert.True(noIdProblem.GetProperty("errors").TryGetProperty("client_msg_id", out _));

        // {} to mark-read is not "seq 0": it is refused, and nothing moves.
        var empty = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/read", new { }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var emptyProblem = await empty.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("validation_failed", emptyProblem.GetProperty("code").GetString());
        Assert.Equal("Required.", emptyProblem.GetProperty("errors").GetProperty("seq")[0].GetString());

        // A body field error has the same shape.
        var blank = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = " ", client_msg_id = "b" }, Ct);
        Assert.True((await blank.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("body", out _));

        // Limits over the maximum are refused, not capped.
        var history = await alice.GetAsync($"/api/chat/chats/{chat}/messages?limit=201", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, history.StatusCode);
        var historyProblem = await history.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("invalid_page", historyProblem.GetProperty("code").GetString());
        Assert.True(historyProblem.GetProperty("errors").TryGetProperty("limit", out _));
        var chats = await alice.GetAsync("/api/chat/chats?limit=101", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, chats.StatusCode);
        var chatsProblem = await chats.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("invalid_page", chatsProblem.GetProperty("code").GetString());
        Assert.True(chatsProblem.GetProperty("errors").TryGetProperty("limit", out _));

        // The page shape: items, total, limit, offset.
        var page = await alice.GetFromJsonAsync<JsonElement>("/api/chat/chats?limit=1", Ct);
        Assert.Equal((1, 1, 0), (page.GetProperty("total").GetInt32(), page.GetProperty("limit").GetInt32(), page.GetProperty("offset").GetInt32()));
        var invitations = await alice.GetFromJsonAsync<JsonElement>("/api/chat/invitations", Ct);
        Assert.Equal(0, invitations.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Non_participants_get_404_everywhere_and_creating_needs_valid_input()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var stranger = factory.ClientFor(factory.Jwt, Guid.NewGuid());
        var chat = await alice.CreateGroupAsync(_bob);
        await alice.PostMessageAsync(chat, "secret");

        foreach (var response in new[]
        {
            await stranger.GetAsync($"/api/chat/chats/{chat}", Ct),
            await stranger.GetAsync($"/api/chat/chats/{chat}/messages", Ct),
            await stranger.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "hi", client_msg_id = "s1" }, Ct),
            await stranger.PatchAsJsonAsync($"/api/chat/chats/{chat}/messages/1", new { body = "hi" }, Ct),
            await stranger.DeleteAsync($"/api/chat/chats/{chat}/messages/1", Ct),
            await stranger.PostAsJsonAsync($"/api/chat/chats/{chat}/read", new { seq = 1 }, Ct),
            await stranger.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { Guid.NewGuid() } }, Ct),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("chat_not_found", await CodeAsync(response));
        }

        var noTitle = await alice.PostAsJsonAsync("/api/chat/chats", new { type = "group", participant_ids = Array.Empty<Guid>() }, Ct);
        Assert.Equal("title_required", await CodeAsync(noTitle));
    }

    [Fact]
    public async Task Moderators_add_participants_members_leave_and_admins_delete_any_message()
    {
        var carol = Guid.NewGuid();
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        using var carolClient = factory.ClientFor(factory.Jwt, carol);
        using var admin = factory.ClientFor(factory.Jwt, Guid.NewGuid(), "admin");
        var chat = await alice.CreateGroupAsync(_bob);

        await factory.RegisterAsync(carol);
        var added = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { carol, _bob } }, Ct);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var details = await added.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, details.GetProperty("participants").GetArrayLength()); // bob was in already; carol is invited
        Assert.Equal([carol], details.GetProperty("invited_user_ids").EnumerateArray().Select(u => u.GetGuid()));
        Assert.Equal(HttpStatusCode.OK, (await carolClient.PostAsync($"/api/chat/chats/{chat}/invitation/accept", null, Ct)).StatusCode);
        var seq = (await carolClient.PostMessageAsync(chat, "hello")).GetProperty("seq").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/chat/chats/{chat}/messages/{seq}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/api/chat/chats/{chat}/participants/{_bob}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/chat/chats/{chat}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_posts_and_retries_give_gapless_seqs_and_count_once_each()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var chat = await alice.CreateGroupAsync();
        // 12 posts at once, each sent twice (a retry racing its original): 12 messages, seqs 1..12, counted 12 times for
        // the author's day (24 posts: within the default budget of 30 in 10 s).
        var ids = Enumerable.Range(0, 12).Select(i => $"race-{i}").ToList();
        var answers = await Task.WhenAll(ids.Concat(ids).Select(id => alice.PostMessageAsync(chat, $"body {id}", id)));

        var seqById = answers.GroupBy(a => a.GetProperty("client_msg_id").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(a => a.GetProperty("seq").GetInt64()).Distinct().Single());
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), seqById.Values.Order());

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var counted = await db.ActivityCounts.AsNoTracking().Where(c => c.UserId == _alice).SumAsync(c => c.Messages, Ct);
        Assert.Equal(12, counted);
    }

    private static async Task<JsonElement> Mine(HttpClient client, Guid chat)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/api/chat/chats", Ct);
        return list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == chat);
    }
}
