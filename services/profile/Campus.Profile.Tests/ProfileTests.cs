using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Campus.Messaging;
using Campus.Profile.ExperienceLevels;
using Campus.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Campus.Profile.Tests;

public sealed class ProfileTests(ProfileFactory factory) : IClassFixture<ProfileFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task First_read_creates_an_empty_profile()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);

        var profile = await client.GetFromJsonAsync<JsonElement>("/api/profile", Ct);

        Assert.Equal(me, profile.GetProperty("user_id").GetGuid());
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("display_name").ValueKind);
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("avatar_url").ValueKind);
        Assert.Equal(1, await factory.QueryAsync(db => db.Profiles.CountAsync(p => p.UserId == me, Ct)));
    }

    [Fact]
    public async Task Anonymous_callers_get_401()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/profile", Ct)).StatusCode);
    }

    [Fact]
    public async Task Put_writes_history_for_exactly_the_changed_fields_and_an_unchanged_put_writes_none()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        var first = new { first_name = "Anna", display_name = "anna", time_zone = "Europe/Moscow", locale = "ru-ru" };

        var put = await client.PutAsJsonAsync("/api/profile", first, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await put.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("ru-RU", body.GetProperty("locale").GetString());
        Assert.Equal("Europe/Moscow", body.GetProperty("time_zone").GetString());

        var history = await HistoryAsync(client);
        Assert.Equal(["display_name", "first_name", "locale", "time_zone"], history.Select(h => h.Field).Order());
        Assert.All(history, h => Assert.Null(h.OldValue));

        // Same values again: nothing changes, nothing is written.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", first, Ct)).StatusCode);
        Assert.Equal(4, (await HistoryAsync(client)).Count);

        // One field changed, one cleared.
        var second = new { first_name = "Anna", display_name = "Anna K", time_zone = "Europe/Moscow" };
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", second, Ct)).StatusCode);
        history = await HistoryAsync(client);
        Assert.Equal(6, history.Count);
        var newest = history.Take(2).OrderBy(h => h.Field).ToList();
        Assert.Equal(("display_name", "anna", "Anna K"), (newest[0].Field, newest[0].OldValue, newest[0].NewValue));
        Assert.Equal(("locale", "ru-RU", null), (newest[1].Field, newest[1].OldValue, newest[1].NewValue));
        Assert.All(history, h => Assert.Equal(me, h.ChangedBy));

        // The creation (first PUT, lazily) and the two changes.
        var events = await ProfileEventsAsync(me);
        Assert.Equal(3, events.Count);
        Assert.Equal(0, events[0].GetProperty("changed_fields").GetArrayLength());
        Assert.Equal("Europe/Moscow", events[2].GetProperty("time_zone").GetString());
    }

    [Fact]
    public async Task Only_an_admin_changes_the_department_and_the_own_put_keeps_it()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        using var admin = factory.ClientFor(Guid.NewGuid(), "admin");

        // Nobody sets their own department, not even the first one.
        var first = await client.PutAsJsonAsync("/api/profile", new { city = "Kazan", department = "Sales" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        Assert.Equal("department_admin_only", await CodeAsync(first));
        Assert.Empty(await HistoryAsync(client));

        var set = await admin.PutAsJsonAsync($"/api/profile/users/{me}", new { department = "Sales", time_zone = "Asia/Omsk" }, Ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        var other = await client.PutAsJsonAsync("/api/profile", new { city = "Kazan", department = "Marketing", time_zone = "Asia/Omsk" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("department_admin_only", await CodeAsync(other));
        // The same department (spelled with spaces), or none at all (absent, null, blank): the current one stays.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", new { city = "Kazan", department = " Sales ", time_zone = "Asia/Omsk" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", new { city = "Omsk", time_zone = "Asia/Omsk" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", new { city = "Omsk", department = (string?)null, time_zone = "Asia/Omsk" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/profile", new { city = "Omsk", department = "  ", time_zone = "Asia/Omsk" }, Ct)).StatusCode);
        var profile = await client.GetFromJsonAsync<JsonElement>("/api/profile", Ct);
        Assert.Equal(("Sales", "Omsk"), (profile.GetProperty("department").GetString(), profile.GetProperty("city").GetString()));

        // The admin moves the user (and may clear it); the history names the admin.
        var moved = await admin.PutAsJsonAsync($"/api/profile/users/{me}", new { city = "Omsk", department = "Marketing", time_zone = "Asia/Omsk" }, Ct);
        Assert.Equal("Marketing", (await moved.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("department").GetString());
        var history = (await HistoryAsync(client)).Where(h => h.Field == "department").ToList();
        Assert.Equal([("Sales", "Marketing"), (null, "Sales")], history.Select(h => (h.OldValue, h.NewValue)));
        Assert.All(history, h => Assert.NotEqual(me, h.ChangedBy));

        // Every event carries the current department and time zone, whatever changed.
        var events = await ProfileEventsAsync(me);
        var cityChange = events.First(e => e.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()).SequenceEqual(["city"]));
        Assert.Equal(("Sales", "Asia/Omsk"), (cityChange.GetProperty("department").GetString(), cityChange.GetProperty("time_zone").GetString()));
        var last = events[^1];
        Assert.Equal(["department"], last.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(("Marketing", "Asia/Omsk"), (last.GetProperty("department").GetString(), last.GetProperty("time_zone").GetString()));
    }

    [Fact]
    public async Task History_is_paged_newest_first()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);
        foreach (var city in new[] { "Kazan", "Omsk", "Tver" })
        {
            await client.PutAsJsonAsync("/api/profile", new { city }, Ct);
        }

        var page = await client.GetFromJsonAsync<JsonElement>("/api/profile/history?limit=2&offset=0", Ct);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Tver", "Omsk"], items.Select(i => i.GetProperty("new_value").GetString()));
        var next = await client.GetFromJsonAsync<JsonElement>("/api/profile/history?limit=2&offset=2", Ct);
        Assert.Equal("Kazan", Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("new_value").GetString());

        var bad = await client.GetAsync("/api/profile/history?limit=1000", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_page", await CodeAsync(bad));
    }

    [Theory]
    [InlineData("/api/profile/history?limit=abc", "limit")]
    [InlineData("/api/profile/history?offset=1.5", "offset")]
    [InlineData("/api/profile/history?user_id=nobody", "user_id")]
    public async Task A_query_parameter_that_does_not_parse_is_the_validation_problem(string url, string field)
    {
        using var client = factory.ClientFor(Guid.NewGuid());

        var response = await client.GetAsync(url, Ct);

        // The one validation problem (docs/api-conventions.md), documented for the operation (the contract check).
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task A_method_a_path_does_not_have_is_a_405_problem_naming_the_allowed_ones()
    {
        using var client = factory.ClientFor(Guid.NewGuid());

        var response = await client.DeleteAsync("/api/profile/history", Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("method_not_allowed", await CodeAsync(response));
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Put_refuses_invalid_fields_with_field_errors_and_changes_nothing()
    {
        var me = Guid.NewGuid();
        using var client = factory.ClientFor(me);

        var response = await client.PutAsJsonAsync("/api/profile", new
        {
            first_name = new string('a', 101),
            about = new string('b', 2001),
            time_zone = "Mars/Olympus",
            locale = "xx-XX",
            experience_level_id = Guid.NewGuid(),
        }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order();
        Assert.Equal(["about", "experience_level_id", "first_name", "locale", "time_zone"], fields);
        Assert.Empty(await HistoryAsync(client));
    }

    [Theory]
    [InlineData("Europe/Moscow", true)]
    [InlineData("Asia/Yekaterinburg", true)]
    [InlineData("UTC", true)]
    [InlineData("Russian Standard Time", false)]
    [InlineData("../../etc/passwd", false)]
    [InlineData("europe/moscow", false)]
    public async Task Time_zone_must_be_a_known_iana_id(string zone, bool accepted)
    {
        using var client = factory.ClientFor(Guid.NewGuid());
        var response = await client.PutAsJsonAsync("/api/profile", new { time_zone = zone }, Ct);
        Assert.Equal(accepted ? HttpStatusCode.OK : HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_existing_experience_level_is_accepted()
    {
        var level = new ExperienceLevel { Id = Guid.NewGuid(), Name = "level-" + Guid.NewGuid(), Rank = 1 };
        await factory.QueryAsync(db => { db.ExperienceLevels.Add(level); return db.SaveChangesAsync(Ct); });
        using var client = factory.ClientFor(Guid.NewGuid());

        var response = await client.PutAsJsonAsync("/api/profile", new { experience_level_id = level.Id }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(level.Id, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("experience_level_id").GetGuid());
    }

    [Fact]
    public async Task Admin_reads_and_changes_anyones_profile_and_the_history_names_the_admin()
    {
        var user = Guid.NewGuid();
        var adminId = Guid.NewGuid();
        using var owner = factory.ClientFor(user);
        using var admin = factory.ClientFor(adminId, "admin");
        await owner.GetAsync("/api/profile", Ct);

        var put = await admin.PutAsJsonAsync($"/api/profile/users/{user}", new { job_title = "Engineer" }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var read = await admin.GetFromJsonAsync<JsonElement>($"/api/profile/users/{user}", Ct);
        Assert.Equal("Engineer", read.GetProperty("job_title").GetString());

        var entry = Assert.Single(await HistoryAsync(owner));
        Assert.Equal(("job_title", adminId), (entry.Field, entry.ChangedBy));
        var viaAdmin = await admin.GetFromJsonAsync<JsonElement>($"/api/profile/history?user_id={user}", Ct);
        Assert.Single(viaAdmin.GetProperty("items").EnumerateArray());

        var missing = await admin.GetAsync($"/api/profile/users/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("profile_not_found", await CodeAsync(missing));
    }

    [Fact]
    public async Task A_student_cannot_read_or_change_another_users_profile()
    {
        var other = Guid.NewGuid();
        using var otherClient = factory.ClientFor(other);
        await otherClient.PutAsJsonAsync("/api/profile", new { city = "Kazan" }, Ct);
        using var student = factory.ClientFor(Guid.NewGuid());

        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync($"/api/profile/users/{other}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PutAsJsonAsync($"/api/profile/users/{other}", new { city = "Omsk" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync($"/api/profile/history?user_id={other}", Ct)).StatusCode);
        Assert.Equal("Kazan", (await otherClient.GetFromJsonAsync<JsonElement>("/api/profile", Ct)).GetProperty("city").GetString());
    }

    [Fact]
    public async Task User_registered_creates_the_profile_and_a_repeated_event_is_harmless()
    {
        await factory.WaitUntilReadyAsync();
        var consumed = factory.Services.GetRequiredService<ConsumerProgress>();
        var settled = consumed.Settled("profile.user-registered");
        var user = Guid.NewGuid();
        var body = JsonSerializer.Serialize(new
        {
            id = Guid.NewGuid(), type = "auth.user.registered", occurred_at = DateTimeOffset.UtcNow,
            user_id = user, phone = "+79990000000", email = (string?)null, roles = new[] { "student" },
        });

        await factory.PublishAsync("auth.user.registered", body);
        await Wait.UntilAsync(() => factory.QueryAsync(db => db.Profiles.AnyAsync(p => p.UserId == user, Ct)));

        // The user fills the profile in; a redelivered (or re-sent) registration must not reset it.
        using var owner = factory.ClientFor(user);
        await owner.PutAsJsonAsync("/api/profile", new { city = "Kazan" }, Ct);
        await factory.PublishAsync("auth.user.registered", body);
        await factory.PublishAsync("auth.user.registered", body);
        await Wait.UntilAsync(() => consumed.Settled("profile.user-registered") >= settled + 3);
        var queue = factory.Broker.QueuePrefix + "profile.user-registered";

        Assert.Equal(1, await factory.QueryAsync(db => db.Profiles.CountAsync(p => p.UserId == user, Ct)));
        Assert.Equal("Kazan", (await owner.GetFromJsonAsync<JsonElement>("/api/profile", Ct)).GetProperty("city").GetString());
        Assert.Equal(0u, await RabbitMqTestScope.MessageCountAsync(queue + ".dlq"));

        // The creation was announced once (no changed fields, nothing set yet), then the city.
        var events = await ProfileEventsAsync(user);
        Assert.Equal(2, events.Count);
        Assert.Equal(0, events[0].GetProperty("changed_fields").GetArrayLength());
        Assert.Equal((user, JsonValueKind.Null, JsonValueKind.Null), (events[0].GetProperty("changed_by").GetGuid(),
            events[0].GetProperty("department").ValueKind, events[0].GetProperty("time_zone").ValueKind));
    }

    /// <summary>The profile's <c>profile.profile.updated</c> events in the outbox, oldest first.</summary>
    private async Task<List<JsonElement>> ProfileEventsAsync(Guid user)
    {
        var payloads = await factory.QueryAsync(db => db.Database
            .SqlQuery<string>($"SELECT payload::text AS \"Value\" FROM outbox_messages WHERE routing_key = 'profile.profile.updated' AND payload->>'user_id' = {user.ToString()} ORDER BY created_at")
            .ToListAsync(Ct));
        return payloads.Select(p => JsonDocument.Parse(p).RootElement.Clone()).ToList();
    }

    private sealed record HistoryRow(string Field, string? OldValue, string? NewValue, Guid ChangedBy);

    private static async Task<List<HistoryRow>> HistoryAsync(HttpClient client)
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/api/profile/history?limit=100", Ct);
        return page.GetProperty("items").EnumerateArray().Select(i => new HistoryRow(
            i.GetProperty("field").GetString()!, i.GetProperty("old_value").GetString(), i.GetProperty("new_value").GetString(),
            i.GetProperty("changed_by").GetGuid())).ToList();
    }
}
