using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Testing;
using static Campus.Chat.Tests.ChatTestClient;

namespace Campus.Chat.Tests;

/// <summary>
/// Nobody is put into a chat without consent, only existing users are named, and a course chat belongs to the course's
/// author: users and courses are learnt from auth's and content's events on the broker.
/// </summary>
public sealed class ChatConsentTests(ChatFactory factory) : IClassFixture<ChatFactory>
{
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public async Task People_added_by_someone_else_are_invited_and_join_only_when_they_accept()
    {
        var carol = Guid.NewGuid();
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        using var bob = factory.ClientFor(factory.Jwt, _bob);
        using var carolClient = factory.ClientFor(factory.Jwt, carol);
        await factory.RegisterAsync(_bob, carol);

        var created = await alice.PostAsJsonAsync("/api/chat/chats", new { type = "group", title = "Pulled in", participant_ids = new[] { _bob } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var details = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var chat = details.GetProperty("id").GetGuid();
        Assert.Equal([_alice], details.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetGuid()));
        Assert.Equal([_bob], details.GetProperty("invited_user_ids").EnumerateArray().Select(u => u.GetGuid()));

        // Invited is not in: bob neither reads nor posts, and the chat is not among his chats, until he accepts.
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/chat/chats/{chat}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/api/chat/chats/{chat}/messages", new { body = "hi", client_msg_id = "c1" }, Ct)).StatusCode);
        Assert.DoesNotContain((await bob.GetFromJsonAsync<JsonElement>("/api/chat/chats", Ct)).GetProperty("items").EnumerateArray(),
            c => c.GetProperty("id").GetGuid() == chat);
        var invitation = Assert.Single((await bob.GetFromJsonAsync<JsonElement>("/api/chat/invitations", Ct)).GetProperty("items").EnumerateArray());
        Assert.Equal((chat, "Pulled in", _alice), (invitation.GetProperty("chat_id").GetGuid(), invitation.GetProperty("title").GetString(),
            invitation.GetProperty("invited_by").GetGuid()));

        using (var accepted = await bob.PostAsync($"/api/chat/chats/{chat}/invitation/accept", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var joined = await accepted.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("member", joined.GetProperty("my_role").GetString());
            Assert.Equal(0, joined.GetProperty("invited_user_ids").GetArrayLength());
        }
        await bob.PostMessageAsync(chat, "thanks");
        Assert.Equal(0, (await bob.GetFromJsonAsync<JsonElement>("/api/chat/invitations", Ct)).GetProperty("items").GetArrayLength());

        // Adding to an existing chat invites too; a declined invitation leaves no trace and cannot be accepted later.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { carol } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carolClient.GetAsync($"/api/chat/chats/{chat}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await carolClient.DeleteAsync($"/api/chat/chats/{chat}/invitation", Ct)).StatusCode);
        using var late = await carolClient.PostAsync($"/api/chat/chats/{chat}/invitation/accept", null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Equal("invitation_not_found", await CodeAsync(late));
        var final = await alice.GetFromJsonAsync<JsonElement>($"/api/chat/chats/{chat}", Ct);
        Assert.Equal(2, final.GetProperty("participants").GetArrayLength());
        Assert.Equal(0, final.GetProperty("invited_user_ids").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_user_ids_are_refused_and_users_become_known_from_auth_events()
    {
        using var alice = factory.ClientFor(factory.Jwt, _alice);
        var stranger = Guid.NewGuid();

        foreach (var (type, title) in new[] { ("group", "Ghosts"), ("direct", (string?)null) })
        {
            using var response = await alice.PostAsJsonAsync("/api/chat/chats", new { type, title, participant_ids = new[] { stranger } }, Ct);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("unknown_users", await CodeAsync(response));
        }
        var chat = await alice.CreateGroupAsync();
        using (var add = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { stranger } }, Ct))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, add.StatusCode);
            Assert.Equal("unknown_users", await CodeAsync(add));
        }

        await factory.PublishAsync("auth.user.registered", new { id = Guid.NewGuid(), user_id = stranger, phone = "+79990000001", email = (string?)null, roles = new[] { "student" } });
        await Wait.UntilAsync(async () =>
        {
            using var add = await alice.PostAsJsonAsync($"/api/chat/chats/{chat}/participants", new { user_ids = new[] { stranger } }, Ct);
            return add.StatusCode == HttpStatusCode.OK;
        });
    }

    [Fact]
    public async Task A_course_chat_is_opened_only_for_an_existing_course_by_its_author_or_an_admin()
    {
        var (authorId, otherAuthorId) = (Guid.NewGuid(), Guid.NewGuid());
        using var author = factory.ClientFor(factory.Jwt, authorId, "author");
        using var otherAuthor = factory.ClientFor(factory.Jwt, otherAuthorId, "author");
        using var moderator = factory.ClientFor(factory.Jwt, Guid.NewGuid(), "moderator");
        using var student = factory.ClientFor(factory.Jwt, Guid.NewGuid());
        using var admin = factory.ClientFor(factory.Jwt, Guid.NewGuid(), "admin");
        var course = Guid.NewGuid();

        Task<HttpResponseMessage> OpenAsync(HttpClient client, Guid courseId) =>
            client.PostAsJsonAsync("/api/chat/chats", new { type = "course", title = "Course chat", course_id = courseId }, Ct);

        using (var unknown = await OpenAsync(author, course))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
            Assert.Equal("unknown_course", await CodeAsync(unknown));
        }

        await factory.PublishAsync("content.course.created", new { id = Guid.NewGuid(), course_id = course, title = "Security", author_id = authorId });
        await Wait.UntilAsync(async () =>
        {
            using var response = await OpenAsync(otherAuthor, course);
            return response.StatusCode != HttpStatusCode.UnprocessableEntity;
        });

        foreach (var client in new[] { otherAuthor, moderator, student })
        {
            using var refused = await OpenAsync(client, course);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("not_course_author", await CodeAsync(refused));
        }
        using (var own = await OpenAsync(author, course))
        {
            Assert.Equal(HttpStatusCode.Created, own.StatusCode);
            Assert.Equal(course, (await own.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("course_id").GetGuid());
        }
        using (var byAdmin = await OpenAsync(admin, course))
        {
            Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        }

        // A deleted course gets no new chat.
        await factory.PublishAsync("content.course.deleted", new { id = Guid.NewGuid(), course_id = course, author_id = authorId });
        await Wait.UntilAsync(async () =>
        {
            using var response = await OpenAsync(author, course);
            return response.StatusCode == HttpStatusCode.UnprocessableEntity;
        });
    }

}
